package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.stream.RecordedStreams.anthropic;
import static dev.rebound.gateway.stream.RecordedStreams.blockStart;
import static dev.rebound.gateway.stream.RecordedStreams.blockStop;
import static dev.rebound.gateway.stream.RecordedStreams.messageDelta;
import static dev.rebound.gateway.stream.RecordedStreams.messageStart;
import static dev.rebound.gateway.stream.RecordedStreams.messageStop;
import static dev.rebound.gateway.stream.RecordedStreams.ping;
import static dev.rebound.gateway.stream.RecordedStreams.textDelta;
import static dev.rebound.gateway.stream.RecordedStreams.textStart;
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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An Anthropic Messages stream read as OpenAI Chat chunks, rule by rule. */
class MessagesToChatStreamTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode CLIENT = json("{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":"
      + "{\"include_usage\":true}}");
  private static final JsonNode CLIENT_WITHOUT_USAGE = json("{\"model\":\"gpt-4o\",\"stream\":true}");
  private static final Clock MESSAGE_START = Clock.fixed(Instant.ofEpochSecond(1731000000L), ZoneOffset.UTC);
  private static final String HEADER = "\"id\":\"chatcmpl-msg_1\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1731000000,\"model\":\"claude-sonnet-4-5-20250929\"";

  private final MessagesToChatStream translator = new MessagesToChatStream(CLIENT, MESSAGE_START);

  @Test
  void messageStartGivesTheRoleChunkWithTheMessageIdTimeAndModel() {
    List<SseEvent> out = feed(messageStart("msg_1"));
    assertEquals(1, out.size());
    assertNull(out.get(0).event());
    assertEquals(json("{" + HEADER + ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
        + "\"logprobs\":null,\"finish_reason\":null}]}"), json(out.get(0)));
  }

  @Test
  void pingsBlockStopsAndSignaturesGiveNothing() {
    feed(messageStart("msg_1"), blockStart(0, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"));
    assertEquals(List.of(), feed(ping(),
        anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            + "{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM\"}}"),
        blockStop(0), textStart(1)));
  }

  @Test
  void textDeltaBecomesContent() {
    feed(messageStart("msg_1"), textStart(0));
    List<SseEvent> out = feed(textDelta(0, "The café serves 日本 tea 🍵"));
    assertEquals(json("{" + HEADER + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"The café serves 日本 tea 🍵\"},"
        + "\"logprobs\":null,\"finish_reason\":null}]}"), json(out.get(0)));
  }

  @Test
  void textBlockStartThatHoldsTextGivesItAsContent() {
    feed(messageStart("msg_1"));
    List<SseEvent> out = feed(blockStart(0, "{\"type\":\"text\",\"text\":\"Hello\"}"));
    assertEquals("Hello", delta(out.get(0)).path("content").asText());
  }

  @Test
  void thinkingDeltaBecomesReasoningContent() {
    feed(messageStart("msg_1"), blockStart(0, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"));
    List<SseEvent> out = feed(anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
        + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"The user wants a menu.\"}}"));
    assertEquals(json("{\"reasoning_content\":\"The user wants a menu.\"}"), delta(out.get(0)));
  }

  @Test
  void toolUseBlocksAreNumberedFromZeroAndTheirInputFollowsAsArguments() {
    feed(messageStart("msg_1"), textStart(0), textDelta(0, "Checking."), blockStop(0));
    List<SseEvent> out = feed(
        blockStart(1, "{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}"),
        inputJson(1, ""), inputJson(1, "{\\\"city\\\": \\\"Paris\\\"}"), blockStop(1),
        blockStart(2, "{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"get_time\",\"input\":{}}"),
        inputJson(2, "{}"));
    assertEquals(4, out.size(), "nothing for the empty partial_json nor the block stop");
    assertEquals(json("{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_01\",\"type\":\"function\",\"function\":"
        + "{\"name\":\"get_weather\",\"arguments\":\"\"}}]}"), delta(out.get(0)));
    assertEquals(json("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]}"),
        delta(out.get(1)));
    assertEquals(1, delta(out.get(2)).path("tool_calls").get(0).path("index").asInt());
    assertEquals(1, delta(out.get(3)).path("tool_calls").get(0).path("index").asInt());
  }

  @Test
  void toolUseStartThatHoldsItsInputGivesItAsArguments() {
    feed(messageStart("msg_1"));
    List<SseEvent> out = feed(blockStart(0, "{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"read\","
        + "\"input\":{\"path\":\"a.txt\"}}"));
    assertEquals("{\"path\":\"a.txt\"}",
        delta(out.get(0)).path("tool_calls").get(0).path("function").path("arguments").asText());
  }

  @Test
  void serverToolUseIsNoCallOfTheClients() {
    feed(messageStart("msg_1"));
    assertEquals(List.of(), feed(
        blockStart(0, "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_01\",\"name\":\"web_search\",\"input\":{}}"),
        inputJson(0, "{\\\"query\\\": \\\"weather\\\"}"), blockStop(0),
        blockStart(1, "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srvtoolu_01\",\"content\":[]}"),
        blockStop(1), blockStart(2, "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}")));
  }

  @Test
  void messageDeltaFinishesTheChoiceWithOpenAisReason() {
    feed(messageStart("msg_1"), textStart(0), textDelta(0, "Hi"), blockStop(0));
    List<SseEvent> out = feed(messageDelta("tool_use", 12));
    assertEquals(json("{" + HEADER + ",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
        + "\"finish_reason\":\"tool_calls\"}]}"), json(out.get(0)));
  }

  @Test
  void messageStopSendsTheUsageChunkTheClientAskedForThenDone() {
    feed(messageStart("msg_1"), textStart(0), textDelta(0, "Hi"), blockStop(0), messageDelta("end_turn", 12));
    List<SseEvent> out = feed(messageStop());
    assertEquals(2, out.size());
    assertEquals(json("{" + HEADER + ",\"choices\":[],\"usage\":{\"prompt_tokens\":472,\"completion_tokens\":12,"
        + "\"total_tokens\":484,\"prompt_tokens_details\":{\"cached_tokens\":0}}}"), json(out.get(0)));
    assertEquals("data: [DONE]\n\n", out.get(1).raw());
  }

  @Test
  void clientThatDidNotAskForUsageGetsNoUsageChunk() {
    MessagesToChatStream plain = new MessagesToChatStream(CLIENT_WITHOUT_USAGE, MESSAGE_START);
    List<SseEvent> out = translate(plain, RecordedStreams.anthropicContinuation());
    assertTrue(out.get(out.size() - 1).isDone());
    assertFalse(raw(out).contains("\"usage\""));
  }

  @Test
  void usageOfMessageDeltaIsReadOverMessageStartsCacheCountsIncluded() {
    List<SseEvent> out = translate(translator, read("messages-to-chat/cached-usage.in.sse"));
    JsonNode usage = json(out.get(out.size() - 2)).path("usage");
    assertEquals(json("{\"prompt_tokens\":2006,\"completion_tokens\":7,\"total_tokens\":2013,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":1920}}"), usage);
    assertEquals(new TokenUsage(86, 7, 1920, 0), transcriptOf(out).usage(), "cache writes are prompt tokens to OpenAI");
  }

  @Test
  void messageStopWithoutMessageDeltaStillFinishesTheChoice() {
    feed(messageStart("msg_1"), textStart(0), textDelta(0, "Hi"), blockStop(0));
    List<SseEvent> out = feed(messageStop());
    assertEquals("stop", json(out.get(0)).path("choices").get(0).path("finish_reason").asText());
    assertTrue(transcriptOf(out).complete());
  }

  @Test
  void eventsBeforeMessageStartStillOpenWithTheRole() {
    List<SseEvent> out = feed(textDelta(0, "Hi"));
    assertEquals(2, out.size());
    assertEquals("assistant", delta(out.get(0)).path("role").asText());
    assertTrue(json(out.get(0)).path("id").asText().matches("chatcmpl-[0-9a-f]{32}"));
    assertEquals("gpt-4o", json(out.get(0)).path("model").asText(), "the model the client asked for");
  }

  @Test
  void unnamedEventsAreReadByTheTypeTheyHold() {
    List<SseEvent> out = feed(SseEvent.of(null, "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
        + "\"model\":\"claude-sonnet-4-5-20250929\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}"));
    assertEquals("assistant", delta(out.get(0)).path("role").asText());
  }

  @Test
  void eventsAfterMessageStopAreIgnored() {
    feed(messageStart("msg_1"), messageStop());
    assertEquals(List.of(), feed(textDelta(0, "late"), messageStop()));
  }

  @Test
  void commentsPassThroughAsTheyCame() {
    SseEvent keepAlive = parse(": keep-alive\n\n").get(0);
    assertSame(keepAlive, translator.translate(keepAlive).get(0));
  }

  // --- errors

  @Test
  void errorEventBecomesAnOpenAiErrorChunkWithAnthropicsTypeAndTheSameMessage() {
    feed(messageStart("msg_1"), textStart(0), textDelta(0, "Hi"));
    List<SseEvent> out = feed(RecordedStreams.overloaded());
    assertEquals(1, out.size());
    assertEquals("data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\",\"code\":null}}\n\n",
        out.get(0).raw());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
      "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate "
          + "limit for your organization of 50 requests per minute.\"}}",
      "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}",
      "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 208310 "
          + "tokens > 200000 maximum\"}}"})
  void translatedErrorIsClassifiedAsTheBackendsOwn(String data) {
    FailureClassifier classifier = FailureClassifier.loadDefault(Clock.systemUTC());
    Failure own = classifier.classifyStreamEvent("error", data);
    SseEvent out = translator.translate(SseEvent.of("error", data)).get(0);
    Failure translated = classifier.classifyStreamEvent(out.event(), out.data());
    assertEquals(own.kind(), translated.kind());
    assertEquals(own.message(), translated.message());
    assertEquals(own.contextLimit(), translated.contextLimit());
    assertEquals(own.promptTokens(), translated.promptTokens());
  }

  // --- pieces, cuts and continuations

  @Test
  void streamSplitIntoTinyNetworkPiecesTranslatesAsWhenWhole() {
    for (String name : List.of("parallel-tool-use", "thinking", "cached-usage")) {
      byte[] bytes = read("messages-to-chat/" + name + ".in.sse").getBytes(StandardCharsets.UTF_8);
      SseParser parser = new SseParser();
      MessagesToChatStream pieces = new MessagesToChatStream(json("{\"model\":\"gpt-4o\",\"stream_options\":"
          + "{\"include_usage\":true}}"), Clock.fixed(Instant.ofEpochSecond(1748000000L), ZoneOffset.UTC));
      List<SseEvent> out = new ArrayList<>();
      for (int at = 0; at < bytes.length; at += 5) {
        for (SseEvent e : parser.feed(Buffer.buffer(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 5))))) {
          out.addAll(pieces.translate(e));
        }
      }
      assertEquals(read("messages-to-chat/" + name + ".out.sse"), raw(out), name);
    }
  }

  @Test
  void streamCutBeforeMessageStopLeavesTheClientAnUnfinishedAnswer() {
    List<SseEvent> out = translate(translator, RecordedStreams.anthropicOriginalCut());
    StreamTranscript t = transcriptOf(out);
    assertEquals("The café serves 日本 tea 🍵 and ", t.partialText());
    assertFalse(t.complete());
    assertNull(t.stopReason());
    assertTrue(t.hasContent());
    assertFalse(raw(out).contains("[DONE]"));
  }

  @Test
  void streamCutInsideAToolUseLeavesTheCallInProgress() {
    String toolCall = read("messages-to-chat/tool-call.in.sse");
    List<SseEvent> out = translate(translator, toolCall.substring(0, toolCall.indexOf("event: content_block_stop")));
    StreamTranscript t = transcriptOf(out);
    assertTrue(t.toolCallInProgress());
    assertFalse(t.complete());
  }

  @Test
  void continuationOfACutStreamSplicesOntoWhatTheClientHas() {
    // the gateway continues a cut answer with a new request; its translated chunks go through the client's splicer
    List<SseEvent> original = translate(translator, RecordedStreams.anthropicOriginalCut());
    StreamTranscript t = transcriptOf(original);
    List<SseEvent> client = new ArrayList<>(original);
    var splicer = t.splicer();
    for (SseEvent e : translate(new MessagesToChatStream(CLIENT), RecordedStreams.anthropicContinuation())) {
      for (SseEvent spliced : splicer.spliceEvents(e)) {
        t.observe(spliced);
        client.add(spliced);
      }
    }
    assertTrue(t.complete());
    // the recorded continuation was made for Anthropic's prefill, which drops the cut's trailing space; OpenAI keeps both
    assertEquals("The café serves 日本 tea 🍵 and  coffee all day.", t.partialText());
    assertEquals("stop", t.stopReason());
    assertEquals(1, client.stream().filter(e -> e.data() != null && e.data().contains("\"role\"")).count(),
        "one role chunk");
    assertEquals(1, client.stream().map(e -> e.data() == null || e.isDone() ? null : json(e).path("id").asText())
        .filter(id -> id != null).distinct().count(), "one id across the spliced stream");
    OfficialSdks.openAiChunks(client); // every chunk still one the SDK reads
  }

  // --- helpers

  private List<SseEvent> feed(String... stream) {
    return feed(parse(String.join("", stream)).toArray(SseEvent[]::new));
  }

  private List<SseEvent> feed(SseEvent... events) {
    List<SseEvent> out = new ArrayList<>();
    for (SseEvent e : events) out.addAll(translator.translate(e));
    return out;
  }

  private static String inputJson(int index, String escapedPartial) {
    return anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
        + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"" + escapedPartial + "\"}}");
  }

  private static JsonNode delta(SseEvent chunk) {
    return json(chunk).path("choices").get(0).path("delta");
  }

  private static StreamTranscript transcriptOf(List<SseEvent> events) {
    StreamTranscript t = WireFormats.OPENAI_CHAT.transcript(CLIENT);
    for (SseEvent e : events) t.observe(e);
    return t;
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
