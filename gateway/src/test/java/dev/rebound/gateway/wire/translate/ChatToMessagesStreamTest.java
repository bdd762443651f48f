package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.stream.RecordedStreams.openAiChunk;
import static dev.rebound.gateway.wire.translate.StreamFixtures.parse;
import static dev.rebound.gateway.wire.translate.StreamFixtures.raw;
import static dev.rebound.gateway.wire.translate.StreamFixtures.read;
import static dev.rebound.gateway.wire.translate.StreamFixtures.translate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.stream.RecordedStreams;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.SseParser;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.wire.formats.WireFormats;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An OpenAI Chat stream read as Anthropic Messages events, rule by rule. */
class ChatToMessagesStreamTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode CLIENT = json("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"stream\":true}");
  private static final String ID = "chatcmpl-AaBbCc";
  private static final long CREATED = 1731000000L;

  private final ChatToMessagesStream translator = new ChatToMessagesStream(CLIENT);

  // --- the message

  @Test
  void firstChunkWithChoicesStartsTheMessageWithItsIdModelAndNoUsageYet() {
    List<SseEvent> out = feed(chunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
    assertEquals(List.of("message_start", "ping"), names(out));
    assertEquals(json("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_AaBbCc\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"gpt-4o-2024-08-06\",\"content\":[],\"stop_reason\":null,"
        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}"), json(out.get(0)));
  }

  @Test
  void chunkWithoutChoicesBeforeTheAnswerStartsNothing() {
    // Azure sends its prompt filter results first, with no choices, no id and no model
    assertEquals(List.of(), feed(data("{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
        + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}")));
    assertEquals(List.of("message_start", "ping", "content_block_start", "content_block_delta"),
        names(feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null))));
  }

  @Test
  void chunkWithoutIdOrModelStartsAMessageWithAnIdOfItsOwnAndTheRequestedModel() {
    List<SseEvent> out = feed(data("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}"));
    JsonNode message = json(out.get(0)).path("message");
    assertTrue(message.path("id").asText().matches("msg_[0-9a-f]{32}"), message.toString());
    assertEquals("claude-sonnet-4-5", message.path("model").asText());
  }

  @Test
  void onlyTheFirstChoiceBecomesTheMessage() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
    List<SseEvent> out = feed(data("{\"id\":\"" + ID + "\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}},"
        + "{\"index\":0,\"delta\":{\"content\":\"first\"}}]}"));
    assertEquals("first", json(out.get(out.size() - 1)).path("delta").path("text").asText());
    assertEquals(List.of(), feed(data("{\"id\":\"" + ID + "\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"x\"}}]}")));
  }

  // --- content blocks

  @Test
  void contentBecomesOneTextBlockOfTextDeltas() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
    List<SseEvent> out = feed(chunk("{\"content\":\"The café \"}", null), chunk("{\"content\":\"serves 日本 tea 🍵\"}", null));
    assertEquals(List.of("content_block_start", "content_block_delta", "content_block_delta"), names(out));
    assertEquals(json("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
        json(out.get(0)));
    assertEquals(json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
        + "\"text\":\"serves 日本 tea 🍵\"}}"), json(out.get(2)));
  }

  @Test
  void reasoningContentBecomesAThinkingBlockWithAnEmptySignatureAndNoSignatureDelta() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
    List<SseEvent> out = feed(chunk("{\"reasoning_content\":\"Compare 9.8\"}", null),
        chunk("{\"reasoning_content\":\" and 9.11.\"}", null), chunk("{\"content\":\"9.8\"}", null),
        chunk("{}", "stop"), data("[DONE]"));
    assertEquals(json("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\","
        + "\"thinking\":\"\",\"signature\":\"\"}}"), json(out.get(0)));
    assertEquals(json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
        + "\"thinking\":\" and 9.11.\"}}"), json(out.get(2)));
    assertFalse(raw(out).contains("signature_delta"));
    assertEquals(List.of("content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"), names(out));
    assertEquals(1, json(out.get(4)).path("index").asInt(), "the text block follows the thinking block");
  }

  @Test
  void reasoningFieldOfNewerVllmIsThinkingTooAndNeverTwice() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
    List<SseEvent> out = feed(chunk("{\"reasoning\":\"Step one.\"}", null),
        chunk("{\"reasoning\":\" Step two.\",\"reasoning_content\":\" Step two.\"}", null));
    assertEquals(List.of("content_block_start", "content_block_delta", "content_block_delta"), names(out));
    assertEquals(" Step two.", json(out.get(2)).path("delta").path("thinking").asText());
  }

  @Test
  void refusalIsTextTheClientCanRead() {
    feed(chunk("{\"role\":\"assistant\",\"content\":null,\"refusal\":\"\"}", null));
    List<SseEvent> out = feed(chunk("{\"refusal\":\"I can't help with that.\"}", null), chunk("{}", "content_filter"),
        data("[DONE]"));
    assertEquals("I can't help with that.", json(out.get(1)).path("delta").path("text").asText());
    assertEquals("refusal", json(out.get(3)).path("delta").path("stop_reason").asText());
  }

  @Test
  void toolCallStartsAToolUseBlockAndArgumentsOfTheSameChunkFollowAsInputJson() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Let me check.\"}", null));
    List<SseEvent> out = feed(chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\" \\\"Paris\\\"}\"}}]}", null));
    assertEquals(List.of("content_block_stop", "content_block_start", "content_block_delta", "content_block_delta"),
        names(out));
    assertEquals(0, json(out.get(0)).path("index").asInt(), "the text block closes first");
    assertEquals(json("{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
        + "\"id\":\"call_1\",\"name\":\"get_weather\",\"input\":{}}}"), json(out.get(1)));
    assertEquals(json("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
        + "\"partial_json\":\"{\\\"city\\\":\"}}"), json(out.get(2)));
    assertEquals(" \"Paris\"}", json(out.get(3)).path("delta").path("partial_json").asText());
  }

  @Test
  void eachToolCallIndexKeepsItsOwnBlockEvenWhenArgumentsInterleave() {
    feed(chunk("{\"role\":\"assistant\",\"content\":null}", null));
    List<SseEvent> out = feed(
        chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"read\",\"arguments\":\"\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"function\":{\"name\":\"list\",\"arguments\":\"{}\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"}}]}", null),
        chunk("{}", "tool_calls"), data("[DONE]"));
    JsonNode message = json(rebuiltAnthropicMessage(out));
    assertEquals(json("[{\"type\":\"tool_use\",\"id\":\"call_a\",\"name\":\"read\",\"input\":{\"path\":\"a\"}},"
        + "{\"type\":\"tool_use\",\"id\":\"call_b\",\"name\":\"list\",\"input\":{}}]"), message.path("content"));
  }

  @Test
  void callsThatAllSayIndexZeroButBringNewIdsAreSeparateBlocks() {
    // some servers (Gemini's OpenAI endpoint, older Ollama) send each call whole with index 0 or none
    feed(chunk("{\"role\":\"assistant\",\"content\":null}", null));
    List<SseEvent> out = feed(
        chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"read\",\"arguments\":\"{}\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_b\",\"function\":{\"name\":\"read\",\"arguments\":\"{}\"}}]}", null),
        chunk("{\"tool_calls\":[{\"id\":\"call_c\",\"function\":{\"name\":\"list\",\"arguments\":\"{}\"}},"
            + "{\"id\":\"call_d\",\"function\":{\"name\":\"list\",\"arguments\":{\"all\":true}}}]}", null),
        chunk("{}", "stop"), data("[DONE]"));
    JsonNode content = json(rebuiltAnthropicMessage(out)).path("content");
    assertEquals(4, content.size(), content.toString());
    assertEquals(List.of("call_a", "call_b", "call_c", "call_d"),
        List.of(content.get(0).path("id").asText(), content.get(1).path("id").asText(),
            content.get(2).path("id").asText(), content.get(3).path("id").asText()));
    assertEquals(json("{\"all\":true}"), content.get(3).path("input"), "arguments sent as an object are kept");
    assertEquals("tool_use", stopReasonOf(out), "a server that says stop after tool calls still asks for tools");
  }

  @Test
  void theSameIdRepeatedOnItsIndexDoesNotStartAnotherBlock() {
    feed(chunk("{\"role\":\"assistant\",\"content\":null}", null));
    List<SseEvent> out = feed(
        chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"read\",\"arguments\":\"{\\\"p\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"arguments\":\"\\\":1}\"}}]}", null));
    assertEquals(List.of("content_block_start", "content_block_delta", "content_block_delta"), names(out));
  }

  @Test
  void callWithoutAnIdGetsOneOfItsOwn() {
    feed(chunk("{\"role\":\"assistant\",\"content\":null}", null));
    List<SseEvent> out = feed(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"read\",\"arguments\":\"{}\"}}]}",
        null));
    assertEquals("toolu_AaBbCc_0", json(out.get(0)).path("content_block").path("id").asText());
  }

  // --- the end

  @Test
  void finishReasonClosesTheBlockAndTheUsageChunkAfterItSendsMessageDelta() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null));
    assertEquals(List.of("content_block_stop"), names(feed(chunk("{}", "stop"))));
    List<SseEvent> usage = feed(data("{\"id\":\"" + ID + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":31,"
        + "\"completion_tokens\":5,\"total_tokens\":36}}"));
    assertEquals(List.of("message_delta"), names(usage));
    assertEquals(json("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
        + "\"usage\":{\"input_tokens\":31,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
        + "\"output_tokens\":5}}"), json(usage.get(0)));
    List<SseEvent> done = feed(data("[DONE]"));
    assertEquals(List.of("message_stop"), names(done));
    assertEquals("{\"type\":\"message_stop\"}", done.get(0).data());
  }

  @Test
  void usageInTheFinishChunkSendsMessageDeltaAtOnce() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null));
    List<SseEvent> out = feed(data("{\"id\":\"" + ID + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
        + "\"length\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":4,\"total_tokens\":14}}"));
    assertEquals(List.of("content_block_stop", "message_delta"), names(out));
    assertEquals("max_tokens", json(out.get(1)).path("delta").path("stop_reason").asText());
    assertEquals(4, json(out.get(1)).path("usage").path("output_tokens").asInt());
    assertEquals(List.of("message_stop"), names(feed(data("[DONE]"))));
  }

  @Test
  void usageReportedOnEveryChunkIsSentOnceFinishedAndAgainOnlyWhenItChanges() {
    // vLLM with continuous_usage_stats reports usage on every chunk
    feed(data("{\"id\":\"" + ID + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],"
        + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1,\"total_tokens\":11}}"));
    List<SseEvent> finish = feed(data("{\"id\":\"" + ID + "\",\"choices\":[{\"index\":0,\"delta\":{},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}}"));
    assertEquals(List.of("content_block_stop", "message_delta"), names(finish));
    assertEquals(List.of(), feed(data("{\"id\":\"" + ID + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,"
        + "\"completion_tokens\":2,\"total_tokens\":12}}")));
    assertEquals(List.of("message_stop"), names(feed(data("[DONE]"))));
  }

  @Test
  void streamThatNeverReportsUsageSendsMessageDeltaAtDone() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null), chunk("{}", "stop"));
    List<SseEvent> out = feed(data("[DONE]"));
    assertEquals(List.of("message_delta", "message_stop"), names(out));
    assertEquals(json("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
        + "\"usage\":{\"output_tokens\":0}}"), json(out.get(0)));
  }

  @Test
  void doneWithoutFinishReasonStillClosesTheBlockAndEndsTheTurn() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null));
    List<SseEvent> out = feed(data("[DONE]"));
    assertEquals(List.of("content_block_stop", "message_delta", "message_stop"), names(out));
    assertEquals("end_turn", json(out.get(1)).path("delta").path("stop_reason").asText());
  }

  @Test
  void doneOfAnEmptyStreamStillGivesAWholeMessage() {
    List<SseEvent> out = feed(data("[DONE]"));
    assertEquals(List.of("message_start", "ping", "message_delta", "message_stop"), names(out));
    StreamTranscript t = transcriptOf(out);
    assertTrue(t.complete());
    assertEquals("end_turn", t.stopReason());
  }

  @Test
  void cachedPromptTokensBecomeCacheReadsBesideTheInputTokens() {
    List<SseEvent> out = translate(translator, read("chat-to-messages/cached-usage.in.sse"));
    assertEquals(new TokenUsage(86, 5, 1920, 0), transcriptOf(out).usage());
  }

  @Test
  void eventsAfterDoneAreIgnored() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null), data("[DONE]"));
    assertEquals(List.of(), feed(chunk("{\"content\":\"more\"}", null), data("[DONE]")));
  }

  @Test
  void contentAfterTheFinishReasonIsNotAppendedToAClosedMessage() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null), chunk("{}", "stop"));
    assertEquals(List.of(), feed(chunk("{\"content\":\"late\"}", null)));
  }

  // --- what is not content

  @Test
  void commentsPassThroughAsTheyCame() {
    SseEvent keepAlive = parse(": OPENROUTER PROCESSING\n\n").get(0);
    assertSame(keepAlive, translator.translate(keepAlive).get(0));
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null));
    assertSame(keepAlive, translator.translate(keepAlive).get(0));
  }

  @Test
  void malformedChunkGivesNothing() {
    assertEquals(List.of(), feed(data("{\"id\":\"chatcmpl-1\",\"choices\":[{\"ind")));
    assertEquals(List.of(), feed(data("not json")));
  }

  // --- errors

  @ParameterizedTest(name = "{0}/{1} -> {2}")
  @CsvSource({
      "tokens, rate_limit_exceeded, rate_limit_error",
      "requests, '', rate_limit_error",
      "'', 429, rate_limit_error",
      "overloaded_error, '', overloaded_error",
      "server_error, 529, overloaded_error",
      "'', 503, overloaded_error",
      "invalid_request_error, context_length_exceeded, invalid_request_error",
      "BadRequestError, 400, invalid_request_error",
      "invalid_request_error, invalid_api_key, authentication_error",
      "'', 401, authentication_error",
      "'', 403, permission_error",
      "invalid_request_error, model_not_found, not_found_error",
      "NotFoundError, 404, not_found_error",
      "insufficient_quota, insufficient_quota, billing_error",
      "'', 408, timeout_error",
      "server_error, '', api_error",
      "'', 502, api_error",
      "'', '', api_error"})
  void errorTypeIsAnthropicsWordForWhatTheBackendSaid(String type, String code, String anthropic) {
    assertEquals(anthropic, ChatToMessagesStream.anthropicErrorType(type, code));
  }

  @Test
  void errorChunkBecomesAnErrorEventWithTheSameMessage() {
    feed(chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null));
    String message = "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens "
        + "(8000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.";
    List<SseEvent> out = feed(data("{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\","
        + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"));
    assertEquals(1, out.size());
    assertEquals("error", out.get(0).event());
    assertEquals(json("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"" + message + "\"}}"),
        json(out.get(0)));
  }

  /**
   * The gateway classifies the client's error event: the translated event must come out as the same failure as the
   * backend's own (kind, wait, and the token numbers an overflow message states).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "OpenAI server error|{\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\"}}",
      "OpenAI rate limit|{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization org-1 on tokens per min (TPM): Limit 30000, Used 30000, Requested 512. Please try again in 1.024s.\",\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
      "OpenAI quota|{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}",
      "vLLM overflow|{\"object\":\"error\",\"message\":\"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens (8000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
      "OpenRouter provider error|{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"anthropic/claude-sonnet-4.5\",\"provider\":\"Anthropic\",\"error\":{\"code\":502,\"message\":\"Provider returned error\",\"metadata\":{\"raw\":\"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"overloaded_error\\\",\\\"message\\\":\\\"Overloaded\\\"}}\",\"provider_name\":\"Anthropic\"}},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}",
      "Ollama out of memory|{\"error\":\"model requires more system memory (16.0 GiB) than is available (8.0 GiB)\"}",
      "llama.cpp overflow|{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size, try increasing it\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":9000,\"n_ctx\":8192}}"})
  void translatedErrorIsClassifiedAsTheBackendsOwn(String backend, String data) {
    FailureClassifier classifier = FailureClassifier.loadDefault(Clock.systemUTC());
    Failure own = classifier.classifyStreamEvent(null, data);
    List<SseEvent> out = translator.translate(SseEvent.of(null, data));
    assertEquals("error", out.get(0).event());
    Failure translated = classifier.classifyStreamEvent(out.get(0).event(), out.get(0).data());
    assertEquals(own.kind(), translated.kind(), out.get(0).data());
    assertEquals(own.retryAfter(), translated.retryAfter());
    assertEquals(own.message(), translated.message());
  }

  @Test
  void overflowNumbersSurviveTheTranslation() {
    FailureClassifier classifier = FailureClassifier.loadDefault(Clock.systemUTC());
    String data = "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens. However, your "
        + "messages resulted in 130512 tokens. Please reduce the length of the messages.\",\"type\":"
        + "\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}";
    SseEvent translated = translator.translate(SseEvent.of(null, data)).get(0);
    Failure f = classifier.classifyStreamEvent(translated.event(), translated.data());
    assertEquals("CONTEXT_OVERFLOW", f.kind().name());
    assertEquals(128000, f.contextLimit());
    assertEquals(130512, f.promptTokens());
  }

  @Test
  void errorEventNamedErrorWithPlainTextDataKeepsTheText() {
    List<SseEvent> out = feed(new SseEvent("error", "upstream connect error", "event: error\ndata: upstream connect error\n\n"));
    assertEquals(json("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream connect error\"}}"),
        json(out.get(0)));
  }

  // --- pieces, cuts and continuations

  @Test
  void streamSplitIntoTinyNetworkPiecesTranslatesAsWhenWhole() {
    for (String name : List.of("parallel-tool-calls", "reasoning", "text")) {
      byte[] bytes = read("chat-to-messages/" + name + ".in.sse").getBytes(StandardCharsets.UTF_8);
      SseParser parser = new SseParser();
      ChatToMessagesStream pieces = new ChatToMessagesStream(CLIENT);
      List<SseEvent> out = new ArrayList<>();
      for (int at = 0; at < bytes.length; at += 7) {
        for (SseEvent e : parser.feed(Buffer.buffer(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 7))))) {
          out.addAll(pieces.translate(e));
        }
      }
      assertEquals(read("chat-to-messages/" + name + ".out.sse"), raw(out), name);
    }
  }

  @Test
  void answerSentOneCharacterPerChunkIsRebuiltWhole() {
    StringBuilder stream = new StringBuilder(openAiChunk(ID, CREATED, "{\"role\":\"assistant\",\"content\":\"\"}", null));
    for (char c : "Thinking…".toCharArray()) stream.append(openAiChunk(ID, CREATED, "{\"reasoning_content\":\"" + c + "\"}", null));
    for (char c : "Sure".toCharArray()) stream.append(openAiChunk(ID, CREATED, "{\"content\":\"" + c + "\"}", null));
    stream.append(openAiChunk(ID, CREATED, "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null));
    for (char c : "{\"city\":\"Paris\"}".toCharArray()) {
      String piece = c == '"' ? "\\\"" : String.valueOf(c);
      stream.append(openAiChunk(ID, CREATED, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + piece
          + "\"}}]}", null));
    }
    stream.append(openAiChunk(ID, CREATED, "{}", "tool_calls")).append(RecordedStreams.openAiUsage(ID, CREATED, 9))
        .append("data: [DONE]\n\n");
    List<SseEvent> in = parse(stream.toString());
    RebuiltAnswer said = RebuiltAnswer.ofOpenAi(in, CLIENT);
    assertEquals("Thinking…", said.reasoning());
    assertEquals(json("{\"city\":\"Paris\"}"), said.calls().get(0).arguments());
    List<SseEvent> out = translate(translator, in);
    assertEquals(said, RebuiltAnswer.ofAnthropic(out, CLIENT));
    assertEquals(3, out.stream().filter(e -> "content_block_start".equals(e.event())).count(), "one block per kind");
  }

  @Test
  void streamCutBeforeDoneLeavesTheClientAnOpenMessageToContinue() {
    List<SseEvent> out = translate(translator, RecordedStreams.openAiOriginalCut());
    assertTrue(out.stream().anyMatch(SseEvent::isComment), "the keep-alive reached the client");
    StreamTranscript t = transcriptOf(out);
    assertEquals("The café serves 日本 tea 🍵 and", t.partialText());
    assertFalse(t.complete());
    assertNull(t.stopReason());
    assertFalse(t.toolCallInProgress());
    assertEquals("msg_AaBbCc", t.responseId());
  }

  @Test
  void streamCutInsideAToolCallLeavesTheCallInProgress() {
    List<SseEvent> out = translate(translator, read("chat-to-messages/tool-call.in.sse").split("\n\n", 3)[0] + "\n\n"
        + read("chat-to-messages/tool-call.in.sse").split("\n\n", 3)[1] + "\n\n");
    StreamTranscript t = transcriptOf(out);
    assertTrue(t.toolCallInProgress());
    assertFalse(t.complete());
  }

  @Test
  void streamCutAfterTheUsageButBeforeDoneIsWholeButForItsEnd() {
    String text = read("chat-to-messages/text.in.sse");
    List<SseEvent> out = translate(translator, text.substring(0, text.indexOf("data: [DONE]")));
    StreamTranscript t = transcriptOf(out);
    assertEquals("end_turn", t.stopReason(), "the gateway can end the stream itself");
    assertFalse(t.complete());
    assertEquals(new TokenUsage(14, 9, 0, 0), t.usage());
  }

  @Test
  void continuationOfACutStreamSplicesOntoWhatTheClientHas() {
    // the gateway continues a cut answer with a new request; its translated events go through the client's splicer
    List<SseEvent> original = translate(translator, RecordedStreams.openAiOriginalCut());
    StreamTranscript t = transcriptOf(original);
    List<SseEvent> client = new ArrayList<>(original);
    var splicer = t.splicer();
    for (SseEvent e : translate(new ChatToMessagesStream(CLIENT), RecordedStreams.openAiContinuation())) {
      for (SseEvent spliced : splicer.spliceEvents(e)) {
        t.observe(spliced);
        client.add(spliced);
      }
    }
    assertTrue(t.complete());
    assertEquals("The café serves 日本 tea 🍵 and coffee all day.", t.partialText());
    RebuiltAnswer told = RebuiltAnswer.ofAnthropic(client, CLIENT);
    assertEquals("The café serves 日本 tea 🍵 and coffee all day.", told.text());
    assertEquals("stop", told.finish());
    assertEquals(1, client.stream().filter(e -> "message_start".equals(e.event())).count());
    OfficialSdks.anthropicEvents(client); // every event still one the SDK reads
  }

  // --- helpers

  private List<SseEvent> feed(SseEvent... events) {
    List<SseEvent> out = new ArrayList<>();
    for (SseEvent e : events) out.addAll(translator.translate(e));
    return out;
  }

  private static SseEvent chunk(String delta, String finishReason) {
    return parse(openAiChunk(ID, CREATED, delta, finishReason)).get(0);
  }

  private static SseEvent data(String data) {
    return SseEvent.of(null, data);
  }

  private static List<String> names(List<SseEvent> events) {
    return events.stream().map(SseEvent::event).toList();
  }

  private static StreamTranscript transcriptOf(List<SseEvent> events) {
    StreamTranscript t = WireFormats.ANTHROPIC_MESSAGES.transcript(CLIENT);
    for (SseEvent e : events) t.observe(e);
    return t;
  }

  private String rebuiltAnthropicMessage(List<SseEvent> out) {
    var builder = WireFormats.ANTHROPIC_MESSAGES.messageBuilder();
    for (SseEvent e : out) builder.observe(e);
    return builder.message();
  }

  private static String stopReasonOf(List<SseEvent> out) {
    return transcriptOf(out).stopReason();
  }

  private static JsonNode json(SseEvent e) {
    return json(e.data());
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
