package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Conversations larger than a model's window, through real sockets, with mock-llm enforcing real windows. */
class ContextOverflowTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0, maxBodyBytes: 8388608 }
      backends:
        - name: local
          protocol: openai
          url: ${MOCK_URL}
          apiKey: k1
          models:
            - { name: mock-small, contextWindow: 4096 }
            - { name: mock-large, contextWindow: 128000 }
            - { name: summarizer-model, contextWindow: 128000 }
            - { name: lowball, contextWindow: 4096 }
        - name: local-anthropic
          protocol: anthropic
          url: ${MOCK_URL}
          apiKey: k2
          models: [ { name: claude-small, contextWindow: 4096 } ]
        - name: believed-large
          protocol: openai
          url: ${MOCK_URL}
          discoverWindow: off
          models: [ { name: liar, contextWindow: 100000 } ]
      agents:
        - { name: small, backend: local, model: mock-small }
        - { name: large, backend: local, model: mock-large }
        - { name: writer, backend: local, model: summarizer-model }
        - { name: lowball, backend: local, model: lowball }
        - { name: claude-small, backend: local-anthropic, model: claude-small }
        - { name: liar, backend: believed-large, model: liar }
      routes:
        - { name: grow, match: { model: grow }, agents: [small, large], context: { onOverflow: larger-window } }
        - { name: strict, match: { model: strict }, agents: [small], context: { onOverflow: fail } }
        - { name: digest, match: { model: digest }, agents: [small], context: { onOverflow: summarize } }
        - { name: claude, match: { protocol: anthropic }, agents: [claude-small] }
      context:
        onOverflow: truncate
        keepRecentTurns: 2
        reserveOutputTokens: 512
        summarizer: { agent: writer, maxTokens: 200 }
        # this gateway's count for 'lowball' is half the truth: the upstream's error must correct it
        tokenizers: [ { models: lowball, encoding: cl100k_base, factor: 0.5 } ]
      resilience: { retry: { baseDelay: 10ms }, keepAliveInterval: 100ms }
      """;

  static MockLlmOptions mockOptions() {
    return MockLlmOptions.defaults()
        .withModel(new MockModel("claude-small", 4096))
        .withModel(new MockModel("summarizer-model", 128_000))
        .withModel(new MockModel("lowball", 4096))
        .withModel(new MockModel("liar", 4096));
  }

  GatewayHarness h = GatewayHarness.start(CONFIG, mockOptions());

  @AfterEach
  void stop() {
    h.close();
  }

  static String openAiBody(String model, JsonArray messages) {
    return new JsonObject().put("model", model).put("messages", messages).encode();
  }

  /** The summarizer's model answers every call with this text. */
  void summarizerAnswers(String summary) {
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "summarizer-model")).put("times", -1)
        .put("status", 200).put("body", new JsonObject().put("id", "chatcmpl-sum").put("object", "chat.completion")
            .put("model", "summarizer-model").put("choices", new JsonArray().add(new JsonObject().put("index", 0)
                .put("message", new JsonObject().put("role", "assistant").put("content", summary))
                .put("finish_reason", "stop")))));
  }

  JsonArray upstreamMessages() {
    return h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
  }

  static JsonObject last(JsonArray a) {
    return a.getJsonObject(a.size() - 1);
  }

  @Test
  void anOpenAiConversationThreeTimesTheWindowIsCutToFitAndAnswered() {
    JsonArray conversation = Conversations.openAi(80, false);
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(h.base() + "/v1").apiKey("k").maxRetries(0)
        .timeout(Duration.ofSeconds(30)).build();
    ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("mock-small");
    for (Object o : conversation) {
      JsonObject m = (JsonObject) o;
      switch (m.getString("role")) {
        case "system" -> params.addSystemMessage(m.getString("content"));
        case "user" -> params.addUserMessage(m.getString("content"));
        default -> params.addAssistantMessage(m.getString("content"));
      }
    }
    HttpResponseFor<ChatCompletion> r = client.chat().completions().withRawResponse().create(params.build());
    assertEquals(200, r.statusCode());
    assertFalse(r.parse().choices().get(0).message().content().orElse("").isBlank());
    String header = r.headers().values("x-rebound-context").get(0);
    assertTrue(header.matches("truncated; tokens=\\d+->\\d+; dropped=\\d+; summarized=0"), header);

    JsonArray sent = upstreamMessages();
    assertTrue(sent.size() < conversation.size(), "the upstream got fewer messages: " + sent.size());
    assertEquals(Conversations.SYSTEM, sent.getJsonObject(0).getString("content"), "the system prompt stays first");
    assertEquals(Conversations.FINAL, last(sent).getString("content"), "the last user message is intact");
    GatewayEvent event = h.events("context").get(0);
    assertEquals("truncated", event.fields().get("action"));
    assertEquals(conversation.size() - sent.size(), event.fields().get("dropped"));
  }

  @Test
  void anAnthropicStreamThreeTimesTheWindowIsCutToFitAndStreamedToTheEnd() {
    JsonArray conversation = Conversations.anthropic(80, false);
    AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(h.base()).apiKey("k").maxRetries(0)
        .timeout(Duration.ofSeconds(30)).build();
    MessageCreateParams.Builder params = MessageCreateParams.builder().model("claude-small").maxTokens(300)
        .system(Conversations.SYSTEM);
    for (Object o : conversation) {
      JsonObject m = (JsonObject) o;
      String text = m.getValue("content") instanceof String s ? s
          : m.getJsonArray("content").getJsonObject(0).getString("text");
      if (m.getString("role").equals("user")) params.addUserMessage(text);
      else params.addAssistantMessage(text);
    }
    List<String> seen = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params.build())) {
      s.stream().forEach(e -> {
        if (e.isMessageStart()) seen.add("message_start");
        else if (e.isMessageStop()) seen.add("message_stop");
      });
    }
    assertEquals(List.of("message_start", "message_stop"), seen);
    JsonObject upstream = h.lastUpstreamRequest().getJsonObject("body");
    assertEquals(Conversations.SYSTEM, upstream.getString("system"));
    JsonArray sent = upstream.getJsonArray("messages");
    assertTrue(sent.size() < conversation.size());
    assertEquals("user", sent.getJsonObject(0).getString("role"), "an Anthropic conversation still starts with the user");
    assertEquals(Conversations.FINAL, last(sent).getString("content"));
  }

  @Test
  void bothProtocolsAreCutAlikeStreamedOrNot() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> openAi = h.post("/v1/chat/completions", new JsonObject().put("model", "mock-small")
          .put("stream", stream).put("messages", Conversations.openAi(80, false)).encode());
      assertEquals(200, openAi.statusCode(), openAi.body());
      assertTrue(openAi.headers().firstValue("x-rebound-context").orElseThrow().startsWith("truncated;"));
      assertTrue(!stream || openAi.body().contains("data: [DONE]"), openAi.body());
      assertEquals(Conversations.FINAL, last(upstreamMessages()).getString("content"));

      HttpResponse<String> anthropic = h.post("/v1/messages", new JsonObject().put("model", "claude-small")
          .put("max_tokens", 300).put("stream", stream).put("system", Conversations.SYSTEM)
          .put("messages", Conversations.anthropic(80, false)).encode(), "anthropic-version", "2023-06-01");
      assertEquals(200, anthropic.statusCode(), anthropic.body());
      assertTrue(anthropic.headers().firstValue("x-rebound-context").orElseThrow().startsWith("truncated;"));
      assertTrue(!stream || anthropic.body().contains("message_stop"), anthropic.body());
      assertEquals(Conversations.FINAL, last(upstreamMessages()).getString("content"));
    }
  }

  @Test
  void parallelToolCallsAreNeverSplitFromTheirResultsInEitherProtocol() throws Exception {
    HttpResponse<String> openAi = h.post("/v1/chat/completions", openAiBody("mock-small", Conversations.openAi(30, true)));
    assertEquals(200, openAi.statusCode(), openAi.body());
    JsonArray sentOpenAi = upstreamMessages();
    Conversations.assertToolPairsWhole(sentOpenAi);
    assertTrue(sentOpenAi.size() < Conversations.openAi(30, true).size());

    String anthropicBody = new JsonObject().put("model", "claude-small").put("max_tokens", 300)
        .put("system", Conversations.SYSTEM).put("stream", true).put("messages", Conversations.anthropic(30, true)).encode();
    HttpResponse<String> anthropic = h.post("/v1/messages", anthropicBody, "anthropic-version", "2023-06-01");
    assertEquals(200, anthropic.statusCode(), anthropic.body());
    assertTrue(anthropic.body().contains("message_stop"));
    JsonArray sentAnthropic = upstreamMessages();
    Conversations.assertToolPairsWhole(sentAnthropic);
    assertTrue(sentAnthropic.size() < Conversations.anthropic(30, true).size());
    assertEquals("user", sentAnthropic.getJsonObject(0).getString("role"));
  }

  @Test
  void aMaxTokensTooLargeForWhatIsLeftIsLoweredBeforeSending() throws Exception {
    String body = new JsonObject().put("model", "mock-small").put("max_tokens", 4000)
        .put("messages", Conversations.openAi(3, false)).encode();
    HttpResponse<String> r = h.post("/v1/chat/completions", body);
    assertEquals(200, r.statusCode(), r.body());
    String header = r.headers().firstValue("x-rebound-context").orElseThrow();
    assertTrue(header.startsWith("max-tokens-lowered;") && header.contains("dropped=0") && header.contains("max_tokens=4000->"), header);
    int sentMax = h.lastUpstreamRequest().getJsonObject("body").getInteger("max_tokens");
    assertTrue(sentMax < 4000 && sentMax > 256, "max_tokens sent: " + sentMax);
    assertEquals(Conversations.openAi(3, false).size(), upstreamMessages().size(), "no message was dropped");
  }

  @Test
  void aNewestTurnThatLeavesNoRoomForAnAnswerIsNeverSentWithAMaxTokensTooSmallToAnswer() throws Exception {
    // older turns are dropped, and the newest alone nearly fills the window: a 1-token max_tokens would be "answered"
    // with one token and a max_tokens stop, which a client like Claude Code asks again for ever
    JsonArray messages = Conversations.anthropic(3, false);
    messages.add(new JsonObject().put("role", "user").put("content", "word ".repeat(3900)));
    String body = new JsonObject().put("model", "claude-small").put("max_tokens", 2000).put("messages", messages).encode();
    HttpResponse<String> r = h.post("/v1/messages", body);
    for (Object o : h.upstreamRequests()) {
      int sent = ((JsonObject) o).getJsonObject("body").getInteger("max_tokens");
      assertTrue(sent >= 256, "max_tokens sent: " + sent + "; answer: " + r.body());
    }
    if (r.statusCode() == 200) {
      assertTrue(!r.body().contains("\"stop_reason\":\"max_tokens\"") || r.body().length() > 300, r.body());
    } else {
      // as going direct: the upstream's own overflow error, in the client's shape
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"invalid_request_error\"") && r.body().contains("context limit"), r.body());
    }
  }

  @Test
  void anOutputLimitErrorFromTheUpstreamLowersMaxTokensAndTriesAgain() throws Exception {
    // config says 100000 tokens; the server enforces 4096 and says the completion is what does not fit
    String body = new JsonObject().put("model", "liar").put("max_tokens", 8000)
        .put("messages", Conversations.openAi(3, false)).encode();
    HttpResponse<String> r = h.post("/v1/chat/completions", body);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("max-tokens-lowered-after-output-limit:1", r.headers().firstValue("x-rebound-recovery").orElseThrow());
    JsonArray seen = h.upstreamRequests();
    assertEquals(8000, seen.getJsonObject(0).getJsonObject("body").getInteger("max_tokens"));
    int retried = seen.getJsonObject(1).getJsonObject("body").getInteger("max_tokens");
    assertTrue(retried < 4096, "the retry asked for " + retried);
    assertTrue(r.headers().firstValue("x-rebound-context").orElseThrow().contains("max_tokens=8000->" + retried));
  }

  @Test
  void anOutputLimitErrorForARequestWithoutMaxTokensGoesBackToTheClient() throws Exception {
    // nothing smaller can be sent: the conversation fits and the client set no max_tokens to lower
    JsonObject error = new JsonObject().put("error", new JsonObject().put("message", "This model's maximum context length "
        + "is 4096 tokens. However, you requested 5000 tokens (20 in the messages, 4980 in the completion). Please "
        + "reduce the length of the messages or completion.").put("type", "invalid_request_error").put("param", "messages")
        .put("code", "context_length_exceeded"));
    h.fault(new JsonObject().put("match", new JsonObject().put("contains", "no-max-tokens")).put("times", -1)
        .put("status", 400).put("body", error));
    JsonArray one = new JsonArray().add(new JsonObject().put("role", "user").put("content", "no-max-tokens"));
    HttpResponse<String> r = h.post("/v1/chat/completions", openAiBody("liar", one));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("context_length_exceeded", new JsonObject(r.body()).getJsonObject("error").getString("code"), r.body());
    assertEquals(200, h.get("/health").statusCode());
  }

  @Test
  void whenTheEstimateIsTooLowTheUpstreamsOverflowErrorSizesTheSecondCut() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", openAiBody("lowball", Conversations.openAi(80, false)));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("truncated-after-context-overflow:1", r.headers().firstValue("x-rebound-recovery").orElseThrow());
    JsonArray seen = h.upstreamRequests();
    assertEquals(2, seen.size(), "one cut by the estimate, one by the upstream's numbers");
    int first = seen.getJsonObject(0).getJsonObject("body").getJsonArray("messages").size();
    int second = seen.getJsonObject(1).getJsonObject("body").getJsonArray("messages").size();
    assertTrue(second < first, first + " then " + second);
    List<GatewayEvent> cuts = h.events("context");
    assertEquals(2, cuts.size());
    assertEquals("upstream overflow", cuts.get(1).fields().get("trigger"));
    assertNotNull(cuts.get(1).fields().get("underestimate"), "the correction is learned: " + cuts.get(1).fields());

    // the next request is cut right at once: the learned correction applies before sending
    HttpResponse<String> again = h.post("/v1/chat/completions", openAiBody("lowball", Conversations.openAi(81, false)));
    assertEquals(200, again.statusCode(), again.body());
    assertTrue(again.headers().firstValue("x-rebound-recovery").isEmpty(), "no second overflow");
  }

  @Test
  void largerWindowMovesTheWholeConversationToAnAgentItFits() throws Exception {
    JsonArray conversation = Conversations.openAi(80, false);
    HttpResponse<String> r = h.post("/v1/chat/completions", openAiBody("grow", conversation));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("large", r.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("moved-for-context:1", r.headers().firstValue("x-rebound-recovery").orElseThrow());
    assertTrue(r.headers().firstValue("x-rebound-context").isEmpty(), "nothing was cut");
    assertEquals(1, h.upstreamRequests().size(), "the small agent was not asked");
    assertEquals(conversation.size(), upstreamMessages().size(), "with the full context");
  }

  @Test
  void failReturnsTheOverflowInTheClientsOwnErrorShape() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", openAiBody("strict", Conversations.openAi(80, false)));
    assertEquals(400, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("context_length_exceeded", error.getString("code"));
    assertTrue(error.getString("message").contains("maximum context length"), error.getString("message"));
  }

  @Test
  void summarizeReplacesTheDroppedTurnsWithTheSummarizersSummary() throws Exception {
    summarizerAnswers("SUMMARY-TEXT: rivers and stones were discussed.");
    JsonArray conversation = Conversations.openAi(80, false);
    HttpResponse<String> r = h.post("/v1/chat/completions", openAiBody("digest", conversation));
    assertEquals(200, r.statusCode(), r.body());
    String header = r.headers().firstValue("x-rebound-context").orElseThrow();
    assertTrue(header.startsWith("summarized;") && !header.endsWith("summarized=0"), header);

    JsonArray seen = h.upstreamRequests();
    JsonObject summarizerCall = seen.getJsonObject(0).getJsonObject("body");
    assertEquals("summarizer-model", summarizerCall.getString("model"));
    assertTrue(summarizerCall.encode().contains("Turn 0:"), "the summarizer read the dropped turns");
    JsonArray sent = upstreamMessages();
    assertEquals(Conversations.SYSTEM, sent.getJsonObject(0).getString("content"));
    assertTrue(sent.getJsonObject(1).getString("content").contains("SUMMARY-TEXT"), sent.getJsonObject(1).encode());
    assertEquals(Conversations.FINAL, last(sent).getString("content"));
  }

  @Test
  void aStreamingClientHearsKeepAlivesWhileTheSummarizerWorks() throws Exception {
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "summarizer-model")).put("delayMs", 700));
    JsonObject body = new JsonObject().put("model", "digest").put("stream", true).put("messages", Conversations.openAi(80, false));
    HttpResponse<String> r = h.post("/v1/chat/completions", body.encode());
    assertEquals(200, r.statusCode(), r.body());
    String stream = r.body();
    int keepAlive = stream.indexOf(": keep-alive\n\n");
    assertTrue(keepAlive >= 0 && keepAlive < stream.indexOf("data: "), "keep-alives before the answer: " + stream);
    assertEquals("small", r.headers().firstValue("x-rebound-agent").orElse(null), "the head names the agent");
    assertTrue(stream.endsWith("data: [DONE]\n\n"), stream);
    assertEquals("summarizer-model", h.upstreamRequests().getJsonObject(0).getJsonObject("body").getString("model"));
    assertEquals("summarized", h.events("context").get(0).fields().get("action"));
  }

  @Test
  void whenTheSummarizerFailsTheConversationIsTruncatedInstead() throws Exception {
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "summarizer-model")).put("times", -1).put("status", 500));
    HttpResponse<String> r = h.post("/v1/chat/completions", openAiBody("digest", Conversations.openAi(80, false)));
    assertEquals(200, r.statusCode(), r.body());
    String header = r.headers().firstValue("x-rebound-context").orElseThrow();
    assertTrue(header.startsWith("truncated;") && header.endsWith("summarized=0"), header);
    GatewayEvent event = h.events("context").get(0);
    assertTrue(String.valueOf(event.fields().get("note")).contains("summarizer"), event.fields().toString());
    assertEquals(Conversations.FINAL, last(upstreamMessages()).getString("content"));
  }

  @Test
  void aSessionsCheckpointRecordsExactlyTheMessagesSentWhileTheHistoryStaysWhole() throws Exception {
    JsonArray conversation = Conversations.openAi(80, false);
    HttpResponse<String> r = h.post("/s/long-talk/v1/chat/completions", openAiBody("mock-small", conversation));
    assertEquals(200, r.statusCode(), r.body());
    JsonArray sent = upstreamMessages();
    JsonObject session = new JsonObject(h.get("/admin/sessions/long-talk").body());
    assertEquals(conversation.size() + 1, session.getJsonArray("messages").size(), "every message is stored, and the answer");
    JsonArray checkpoints = session.getJsonArray("checkpoints");
    JsonObject cut = null;
    for (Object o : checkpoints) {
      JsonObject cp = (JsonObject) o;
      if (String.valueOf(cp.getString("reason")).startsWith("truncated")) cut = cp;
    }
    assertNotNull(cut, checkpoints.encode());
    JsonArray context = new JsonObject(h.get("/admin/sessions/long-talk/checkpoints/" + cut.getInteger("seq")).body())
        .getJsonArray("context");
    assertEquals(sent, context, "the checkpoint's context is what the upstream received");
    // stored as which messages went, not as copies of them
    String view = h.gateway.store().checkpoint(new dev.rebound.store.SessionKey("default", "long-talk"), cut.getInteger("seq"))
        .await().contextView();
    assertTrue(view.startsWith("{\"sentFromStored\":[") && view.length() < 1_000, view);
  }

  @Test
  void aSummarizedSessionTurnsCheckpointShowsTheSummaryAmongTheStoredMessagesSent() throws Exception {
    summarizerAnswers("SUMMARY-TEXT: rivers.");
    HttpResponse<String> r = h.post("/s/digest-talk/v1/chat/completions", openAiBody("digest", Conversations.openAi(80, false)));
    assertEquals(200, r.statusCode(), r.body());
    JsonArray sent = upstreamMessages();
    JsonObject session = new JsonObject(h.get("/admin/sessions/digest-talk").body());
    JsonObject cut = null;
    for (Object o : session.getJsonArray("checkpoints")) {
      if (String.valueOf(((JsonObject) o).getString("reason")).startsWith("summarized")) cut = (JsonObject) o;
    }
    assertNotNull(cut, session.encode());
    JsonArray context = new JsonObject(h.get("/admin/sessions/digest-talk/checkpoints/" + cut.getInteger("seq")).body())
        .getJsonArray("context");
    assertEquals(sent, context, "the stored messages sent, with the summary where it went");
    assertTrue(context.encode().contains("SUMMARY-TEXT"), context.encode());
  }
}
