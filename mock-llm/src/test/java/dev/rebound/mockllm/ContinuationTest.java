package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request that carries a partial answer (Anthropic prefill, or the gateway's "continue" instruction
 * on OpenAI) gets the rest of the answer the mock would have given, so prefix + remainder is whole.
 */
class ContinuationTest extends MockLlmHttpTest {

  private static final String OPENAI = "/v1/chat/completions";
  private static final String ANTHROPIC = "/v1/messages";
  private static final String CONTINUE = "Continue your previous answer exactly where it stopped. Do not repeat"
      + " anything already written.";
  /** Where the first stream is cut: after the first word, mid-way, and just before the last word. */
  private static final int[] CUTS = {1, 3, 6, 11};

  /** A streamed answer as the client saw it: the content pieces in order, and whether it ended cleanly. */
  private record Streamed(List<String> pieces, List<SseEvent> events, boolean clean) {
    String text() {
      return String.join("", pieces);
    }
  }

  @Test
  void anthropicStreamedPrefillGetsTheRestOfTheAnswerAfterACutAtAnyWord() throws Exception {
    JsonObject conversation = anthropicConversation().put("stream", true);
    Streamed full = stream(ANTHROPIC, conversation);

    for (int cut : CUTS) {
      server.reset();
      addFaults(new JsonObject().put("cutAfterChunks", cut));
      Streamed cutStream = stream(ANTHROPIC, conversation);
      Streamed rest = stream(ANTHROPIC, withPrefill(conversation, cutStream.text()));

      assertTrue(!cutStream.clean() && cutStream.pieces().size() == cut, "cut after " + cut);
      assertTrue(rest.clean());
      assertEquals(full.text(), cutStream.text() + rest.text(), "cut after " + cut);
      assertEquals(full.pieces().subList(cut, full.pieces().size()), rest.pieces(), "one word per chunk");
      assertEquals("end_turn", messageDelta(rest).getJsonObject("delta").getString("stop_reason"));
    }
  }

  @Test
  void anthropicNonStreamingPrefillGetsTheRestOfTheAnswerAfterACutAtAnyWord() throws Exception {
    JsonObject conversation = anthropicConversation();
    String full = anthropicText(post(ANTHROPIC, conversation).bodyAsJsonObject());

    for (int cut : CUTS) {
      server.reset();
      addFaults(new JsonObject().put("cutAfterChunks", cut));
      String prefix = stream(ANTHROPIC, conversation.copy().put("stream", true)).text();
      JsonObject rest = post(ANTHROPIC, withPrefill(conversation, prefix)).bodyAsJsonObject();

      assertEquals(full, prefix + anthropicText(rest), "cut after " + cut);
      assertEquals("end_turn", rest.getString("stop_reason"));
    }
  }

  @Test
  void openAiStreamedContinueInstructionGetsTheRestOfTheAnswerAfterACutAtAnyWord() throws Exception {
    JsonObject conversation = openAiConversation().put("stream", true);
    Streamed full = stream(OPENAI, conversation);

    for (int cut : CUTS) {
      server.reset();
      addFaults(new JsonObject().put("cutAfterChunks", cut));
      Streamed cutStream = stream(OPENAI, conversation);
      Streamed rest = stream(OPENAI, withContinueInstruction(conversation, cutStream.text()));

      assertTrue(!cutStream.clean() && cutStream.pieces().size() == cut, "cut after " + cut);
      assertTrue(rest.clean());
      assertEquals(full.text(), cutStream.text() + rest.text(), "cut after " + cut);
      assertEquals(full.pieces().subList(cut, full.pieces().size()), rest.pieces(), "one word per chunk");
      JsonObject first = rest.events().get(0).json().getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      assertEquals("assistant", first.getString("role"), "the first remainder chunk carries the role");
    }
  }

  @Test
  void openAiNonStreamingContinueInstructionGetsTheRestOfTheAnswerAfterACutAtAnyWord() throws Exception {
    JsonObject conversation = openAiConversation();
    String full = openAiText(post(OPENAI, conversation).bodyAsJsonObject());

    for (int cut : CUTS) {
      server.reset();
      addFaults(new JsonObject().put("cutAfterChunks", cut));
      String prefix = stream(OPENAI, conversation.copy().put("stream", true)).text();
      JsonObject rest = post(OPENAI, withContinueInstruction(conversation, prefix)).bodyAsJsonObject();

      assertEquals(full, prefix + openAiText(rest), "cut after " + cut);
      assertEquals("stop", rest.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    }
  }

  @Test
  void aPrefixWithItsTrailingWhitespaceStrippedContinuesWithTheSpaceBeforeTheNextWord() throws Exception {
    String full = anthropicText(post(ANTHROPIC, anthropicConversation()).bodyAsJsonObject());
    String prefix = "Mock reply to: Tell me";

    String anthropicRest = anthropicText(post(ANTHROPIC, withPrefill(anthropicConversation(), prefix))
        .bodyAsJsonObject());
    String anthropicRestOfSpaced = anthropicText(post(ANTHROPIC, withPrefill(anthropicConversation(), prefix + " \n"))
        .bodyAsJsonObject());
    String openAiRest = openAiText(post(OPENAI, withContinueInstruction(openAiConversation(), prefix + " "))
        .bodyAsJsonObject());
    Streamed openAiStreamedRest = stream(OPENAI,
        withContinueInstruction(openAiConversation().put("stream", true), prefix + " "));

    assertTrue(full.startsWith(prefix + " "));
    assertEquals(full, prefix + anthropicRest);
    assertTrue(anthropicRest.startsWith(" "), "the remainder keeps its leading space");
    assertEquals(anthropicRest, anthropicRestOfSpaced);
    assertEquals(anthropicRest, openAiRest);
    assertEquals(anthropicRest, openAiStreamedRest.text());
    assertEquals(" a", openAiStreamedRest.pieces().get(0));
  }

  @Test
  void aPrefixEndingMidWordContinuesWithTheRestOfThatWord() {
    List<String> full = ReplyPlan.pieces(ReplyPlan.words("Tell me a story", 8));

    List<String> rest = ReplyPlan.continuation(full, "Mock reply to: Te");

    assertEquals(List.of("ll", " me", " a", " story", " word8"), rest);
    assertEquals(List.of(), ReplyPlan.continuation(full, String.join("", full) + "  "));
    assertEquals(full, ReplyPlan.continuation(full, ""));
  }

  @Test
  void aPrefixTheReplyDoesNotStartWithGetsTheWholeReply() throws Exception {
    String full = anthropicText(post(ANTHROPIC, anthropicConversation()).bodyAsJsonObject());
    String openAiFull = openAiText(post(OPENAI, openAiConversation()).bodyAsJsonObject());

    String anthropic = anthropicText(post(ANTHROPIC, withPrefill(anthropicConversation(), "Once upon a time"))
        .bodyAsJsonObject());
    String openAi = openAiText(post(OPENAI, withContinueInstruction(openAiConversation(), "Once upon a time"))
        .bodyAsJsonObject());

    assertEquals(full, anthropic);
    assertEquals(openAiFull, openAi);
  }

  @Test
  void aContinuationUsesTheSameReplyWordsHeaderAsTheOriginal() throws Exception {
    JsonObject conversation = anthropicConversation();
    String full = anthropicText(post(ANTHROPIC, conversation, "x-mock-reply-words", "20").bodyAsJsonObject());
    String prefix = String.join(" ", List.of(full.split(" ")).subList(0, 15));

    String rest = anthropicText(post(ANTHROPIC, withPrefill(conversation, prefix), "x-mock-reply-words", "20")
        .bodyAsJsonObject());

    assertEquals(" word16 word17 word18 word19 word20", rest);
    assertEquals(full, prefix + rest);
  }

  @Test
  void anthropicPrefillGivenAsTextBlocksContinuesLikeAString() throws Exception {
    JsonObject request = anthropicConversation();
    request.getJsonArray("messages").add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "Mock reply"))
        .add(new JsonObject().put("type", "text").put("text", " to: Tell me a story"))));

    String rest = anthropicText(post(ANTHROPIC, request).bodyAsJsonObject());

    assertEquals(" about word9 word10 word11 word12", rest);
  }

  @Test
  void openAiTreatsOnlyTheContinueInstructionAfterAnAssistantMessageAsAContinuation() throws Exception {
    JsonObject lowerCase = withContinueInstruction(openAiConversation(), "Mock reply to: Tell me");
    lastMessage(lowerCase).put("content", "  continue YOUR previous answer, please");
    JsonObject otherInstruction = withContinueInstruction(openAiConversation(), "Mock reply to: Tell me");
    lastMessage(otherInstruction).put("content", "Please go on");

    assertEquals(" a story about word9 word10 word11 word12",
        openAiText(post(OPENAI, lowerCase).bodyAsJsonObject()));
    assertEquals("Mock reply to: Please go on word7 word8 word9 word10 word11 word12",
        openAiText(post(OPENAI, otherInstruction).bodyAsJsonObject()), "an ordinary user turn");
  }

  @Test
  void theRemainderIsCappedByMaxTokensAndReportsItsOwnUsage() throws Exception {
    Encoding cl100k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    JsonObject request = withPrefill(anthropicConversation(), "Mock reply to: Tell me a story about word9");

    JsonObject rest = post(ANTHROPIC, request).bodyAsJsonObject();
    JsonObject capped = post(ANTHROPIC, request.copy().put("max_tokens", 2)).bodyAsJsonObject();
    Streamed streamed = stream(ANTHROPIC, request.copy().put("stream", true));

    assertEquals(" word10 word11 word12", anthropicText(rest));
    int expected = cl100k.countTokens(" word10") + cl100k.countTokens(" word11") + cl100k.countTokens(" word12");
    assertEquals(expected, rest.getJsonObject("usage").getInteger("output_tokens"));
    assertEquals(expected, messageDelta(streamed).getJsonObject("usage").getInteger("output_tokens"));
    assertEquals("max_tokens", capped.getString("stop_reason"));
    assertTrue(capped.getJsonObject("usage").getInteger("output_tokens") <= 2);
    assertTrue(" word10 word11 word12".startsWith(anthropicText(capped)));

    JsonObject openAi = post(OPENAI, withContinueInstruction(openAiConversation(),
        "Mock reply to: Tell me a story about word9")).bodyAsJsonObject();
    Encoding o200k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    assertEquals(o200k.countTokens(" word10") + o200k.countTokens(" word11") + o200k.countTokens(" word12"),
        openAi.getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void faultsCountTheChunksOfTheRemainder() throws Exception {
    addFaults(new JsonArray()
        .add(new JsonObject().put("match", new JsonObject().put("path", ANTHROPIC)).put("streamErrorAfterChunks", 2))
        .add(new JsonObject().put("match", new JsonObject().put("path", OPENAI)).put("cutAfterChunks", 2)));
    String prefix = "Mock reply to: Tell me";

    Streamed anthropic = stream(ANTHROPIC, withPrefill(anthropicConversation(), prefix).put("stream", true));
    Streamed openAi = stream(OPENAI, withContinueInstruction(openAiConversation(), prefix).put("stream", true));

    assertEquals(List.of(" a", " story"), anthropic.pieces());
    assertEquals("error", anthropic.events().get(anthropic.events().size() - 1).event());
    assertEquals(List.of(" a", " story"), openAi.pieces());
    assertTrue(!openAi.clean());
  }

  @Test
  void aConversationThatWouldCallAToolIsAnsweredWithTheToolCallNotContinued() throws Exception {
    JsonObject tools = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "get_weather")
        .put("input_schema", new JsonObject().put("type", "object"))));
    JsonObject wouldCall = withPrefill(anthropicConversation(), "Mock reply to:").mergeIn(tools);
    JsonObject afterToolResult = anthropicConversation().mergeIn(tools);
    afterToolResult.getJsonArray("messages")
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_use").put("id", "toolu_1").put("name", "get_weather").put("input", new JsonObject()))))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_result").put("tool_use_id", "toolu_1").put("content", "sunny and warm"))))
        .add(new JsonObject().put("role", "assistant").put("content", "Mock reply to: sunny"));

    JsonObject called = post(ANTHROPIC, wouldCall).bodyAsJsonObject();
    JsonObject continued = post(ANTHROPIC, afterToolResult).bodyAsJsonObject();

    assertEquals("tool_use", called.getString("stop_reason"));
    assertEquals("get_weather", called.getJsonArray("content").getJsonObject(0).getString("name"));
    assertEquals(" and warm word7 word8 word9 word10 word11 word12", anthropicText(continued));

    JsonObject openAiTools = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "get_weather"))));
    JsonObject openAi = post(OPENAI, withContinueInstruction(openAiConversation(), "Mock reply to:")
        .mergeIn(openAiTools)).bodyAsJsonObject();
    assertEquals("tool_calls", openAi.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
  }

  @Test
  void theRecordedRequestIsTheContinuationAsReceived() throws Exception {
    JsonObject request = withContinueInstruction(openAiConversation(), "Mock reply to: Tell me ");

    post(OPENAI, request);

    assertEquals(request, server.requests().getJsonObject(0).getJsonObject("body"));
  }

  // ---- helpers ----

  /** A short multi-turn conversation whose reply is "Mock reply to: Tell me a story about word9 ... word12". */
  private static JsonObject anthropicConversation() {
    return new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 1024).put("messages", turns());
  }

  private static JsonObject openAiConversation() {
    return new JsonObject().put("model", "gpt-4o").put("messages", turns());
  }

  private static JsonArray turns() {
    return new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "Hi"))
        .add(new JsonObject().put("role", "assistant").put("content", "Hello"))
        .add(new JsonObject().put("role", "user").put("content", "Tell me a story about dragons and knights"));
  }

  /** The conversation with the partial answer as a trailing assistant message (Anthropic prefill). */
  private static JsonObject withPrefill(JsonObject conversation, String partial) {
    JsonObject request = conversation.copy();
    request.getJsonArray("messages").add(new JsonObject().put("role", "assistant").put("content", partial));
    return request;
  }

  /** The conversation, the partial answer and the gateway's instruction to continue it (OpenAI). */
  private static JsonObject withContinueInstruction(JsonObject conversation, String partial) {
    JsonObject request = withPrefill(conversation, partial);
    request.getJsonArray("messages").add(new JsonObject().put("role", "user").put("content", CONTINUE));
    return request;
  }

  private static JsonObject lastMessage(JsonObject request) {
    JsonArray messages = request.getJsonArray("messages");
    return messages.getJsonObject(messages.size() - 1);
  }

  private static String anthropicText(JsonObject message) {
    return message.getJsonArray("content").getJsonObject(0).getString("text");
  }

  private static String openAiText(JsonObject completion) {
    return completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }

  private static JsonObject messageDelta(Streamed streamed) {
    return streamed.events().stream().filter(e -> "message_delta".equals(e.event())).findFirst()
        .orElseThrow().json();
  }

  /** Streams {@code body} with a plain HTTP client, so a cut stream still yields what arrived before the cut. */
  private Streamed stream(String path, JsonObject body) throws Exception {
    MockLlmHttpTest.Streamed received = postAndCollect(path, body.toBuffer());
    Throwable failure = received.failure();
    List<SseEvent> events = sse(received.text());
    List<String> pieces = new ArrayList<>();
    for (SseEvent event : events) {
      if (event.data().equals("[DONE]")) {
        continue;
      }
      JsonObject json = event.json();
      if ("content_block_delta".equals(event.event())) {
        pieces.add(json.getJsonObject("delta").getString("text"));
      } else if (json.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
          && choices.getJsonObject(0).getJsonObject("delta").getValue("content") instanceof String content) {
        pieces.add(content);
      }
    }
    return new Streamed(pieces, events, failure == null);
  }
}
