package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.ImageBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Any client on any backend: the official SDKs of each provider, through the gateway, served by a mock-llm that speaks
 * only the other provider's format (as vLLM speaks only Chat Completions), and sessions that cross between the two.
 */
class TranslationThroughGatewayTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - name: local
          protocol: openai
          url: ${MOCK_URL}
          models: [ { name: qwen-coder, contextWindow: 32768, maxOutputTokens: 2048 }, { name: o4-mini, contextWindow: 200000 } ]
        - name: anthropic
          protocol: anthropic
          url: ANTHROPIC_URL
          apiKey: upstream-anthropic-key
          models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ]
      agents:
        - { name: claude, backend: anthropic, model: claude-sonnet-4-5 }
        - { name: local, backend: local, model: qwen-coder }
        - { name: strict-local, backend: local, model: qwen-coder, allowTranslation: false }
        - { name: reasoner, backend: local, model: o4-mini }
      routes:
        - { name: claude-first, match: { model: "claude-*" }, agents: [claude, local] }
        - { name: gpt-on-claude, match: { model: "gpt-*" }, agents: [claude] }
        - { name: local-only, match: { model: "local-*" }, agents: [local] }
        - { name: same-protocol, match: { model: "strict-*" }, agents: [strict-local] }
        - { name: reasoning, match: { model: "reasoning-*" }, agents: [reasoner] }
      resilience: { retry: { baseDelay: 10ms, maxAttempts: 2 }, breaker: { failureThreshold: 1000 }, waitBudget: 2s }
      """;

  static Vertx anthropicVertx;
  static MockLlmServer anthropicOnly;
  static GatewayHarness h;

  // each test gets its own gateway: a backend one test overloads must not be cooling for the next
  @BeforeEach
  void start() {
    anthropicVertx = Vertx.vertx();
    anthropicOnly = new MockLlmServer(anthropicVertx, MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.ANTHROPIC)));
    int port = anthropicOnly.start().await();
    h = GatewayHarness.start(CONFIG.replace("ANTHROPIC_URL", "http://127.0.0.1:" + port),
        MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.OPENAI)));
  }

  @AfterEach
  void stop() {
    h.close();
    anthropicVertx.close().await();
  }

  static AnthropicClient anthropic(String base) {
    return AnthropicOkHttpClient.builder().baseUrl(base).apiKey("client-key").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static OpenAIClient openAi(String base) {
    return OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("client-key").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  /** What the Anthropic-only backend received, model calls only. */
  static JsonArray anthropicSaw() {
    JsonArray calls = new JsonArray();
    for (Object o : anthropicOnly.requests()) {
      JsonObject q = (JsonObject) o;
      if ("POST".equals(q.getString("method"))) calls.add(q);
    }
    return calls;
  }

  static Tool weatherTool() {
    return Tool.builder().name("get_weather").description("Weather in a city")
        .inputSchema(Tool.InputSchema.builder()
            .properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .required(List.of("city")).build())
        .build();
  }

  // --- an Anthropic client on an OpenAI-only backend

  @Test
  void anthropicSdkGetsAMessageFromAnOpenAiOnlyBackend() {
    Message m = anthropic(h.base()).messages().create(MessageCreateParams.builder().model("local-coder").maxTokens(200)
        .system("You are terse.").addUserMessage("Tell me about gateways").build());
    String text = m.content().get(0).text().orElseThrow().text();
    assertTrue(text.contains("gateways"), text);
    assertEquals(StopReason.END_TURN, m.stopReason().orElseThrow());
    assertTrue(m.usage().inputTokens() > 0 && m.usage().outputTokens() > 0, m.usage().toString());

    JsonObject seen = h.lastUpstreamRequest();
    assertEquals("/v1/chat/completions", seen.getString("path"));
    JsonObject body = seen.getJsonObject("body");
    assertEquals("qwen-coder", body.getString("model"));
    assertEquals(200, body.getInteger("max_tokens"));
    assertEquals(new JsonObject().put("role", "system").put("content", "You are terse."), body.getJsonArray("messages").getJsonObject(0));
    assertNull(seen.getJsonObject("headers").getString("anthropic-version"), "another provider's version header stays behind");
  }

  @Test
  void anOpenAiReasoningModelGetsTheOutputLimitAsMaxCompletionTokensWhichItAcceptsInsteadOfMaxTokens() {
    Message m = anthropic(h.base()).messages().create(MessageCreateParams.builder().model("reasoning-model").maxTokens(300)
        .addUserMessage("Think it through").build());
    assertEquals(StopReason.END_TURN, m.stopReason().orElseThrow());
    JsonObject body = h.lastUpstreamRequest().getJsonObject("body");
    assertEquals("o4-mini", body.getString("model"));
    assertEquals(300, body.getInteger("max_completion_tokens"));
    assertFalse(body.containsKey("max_tokens"), body.encode());
  }

  @Test
  void anthropicSdkStreamsFromAnOpenAiOnlyBackendEventByEvent() {
    MessageAccumulator acc = MessageAccumulator.create();
    StringBuilder text = new StringBuilder();
    int deltas = 0;
    try (StreamResponse<RawMessageStreamEvent> s = anthropic(h.base()).messages().createStreaming(MessageCreateParams
        .builder().model("local-coder").maxTokens(200).addUserMessage("Stream about gateways please").build())) {
      for (RawMessageStreamEvent e : (Iterable<RawMessageStreamEvent>) s.stream()::iterator) {
        acc.accumulate(e);
        if (e.isContentBlockDelta()) {
          deltas++;
          e.contentBlockDelta().orElseThrow().delta().text().ifPresent(t -> text.append(t.text()));
        }
      }
    }
    Message m = acc.message();
    assertTrue(deltas >= 5, "one delta per upstream chunk, not one buffered answer: " + deltas);
    assertEquals(text.toString(), m.content().get(0).text().orElseThrow().text());
    assertTrue(text.toString().contains("gateways"), text.toString());
    assertEquals(StopReason.END_TURN, m.stopReason().orElseThrow());
    assertTrue(m.usage().outputTokens() > 0, "the usage chunk the gateway asked for became message_delta's usage");
    JsonObject body = h.lastUpstreamRequest().getJsonObject("body");
    assertEquals(true, body.getJsonObject("stream_options").getBoolean("include_usage"));
  }

  @Test
  void anthropicSdkToolRoundTripThroughAnOpenAiOnlyBackendKeepsTheToolUseId() {
    AnthropicClient client = anthropic(h.base());
    Message first = client.messages().create(MessageCreateParams.builder().model("local-coder").maxTokens(300)
        .addTool(weatherTool()).addUserMessage("Weather in Paris?").build());
    assertEquals(StopReason.TOOL_USE, first.stopReason().orElseThrow());
    ToolUseBlock use = first.content().stream().filter(b -> b.isToolUse()).findFirst().orElseThrow().toolUse().orElseThrow();
    assertEquals("get_weather", use.name());
    JsonObject toolSent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("tools").getJsonObject(0);
    assertEquals("function", toolSent.getString("type"));
    assertEquals("get_weather", toolSent.getJsonObject("function").getString("name"));

    Message second = client.messages().create(MessageCreateParams.builder().model("local-coder").maxTokens(300)
        .addTool(weatherTool()).addUserMessage("Weather in Paris?").addMessage(first)
        .addUserMessageOfContentBlockParams(List.of(
            ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(use.id()).content("18 C, sunny").build())))
        .build());
    assertEquals(StopReason.END_TURN, second.stopReason().orElseThrow());
    JsonArray sent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    JsonObject assistant = sent.getJsonObject(sent.size() - 2);
    JsonObject tool = sent.getJsonObject(sent.size() - 1);
    assertEquals(use.id(), assistant.getJsonArray("tool_calls").getJsonObject(0).getString("id"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", use.id()).put("content", "18 C, sunny"), tool);
  }

  @Test
  void anthropicSdkImageReachesAnOpenAiOnlyBackendAsADataUrl() {
    String png = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    anthropic(h.base()).messages().create(MessageCreateParams.builder().model("local-coder").maxTokens(100)
        .addUserMessageOfContentBlockParams(List.of(
            ContentBlockParam.ofImage(ImageBlockParam.builder().source(Base64ImageSource.builder()
                .mediaType(Base64ImageSource.MediaType.IMAGE_PNG).data(png).build()).build()),
            ContentBlockParam.ofText(TextBlockParam.builder().text("What is this?").build())))
        .build());
    JsonArray parts = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages").getJsonObject(0).getJsonArray("content");
    assertEquals("data:image/png;base64," + png, parts.getJsonObject(0).getJsonObject("image_url").getString("url"));
    assertEquals("What is this?", parts.getJsonObject(1).getString("text"));
  }

  @Test
  void countTokensForAnAgentWithoutSuchAnEndpointIsAnsweredByTheGatewaysCounter() {
    long tokens = anthropic(h.base()).messages().countTokens(MessageCountTokensParams.builder().model("local-coder")
        .addUserMessage("How many tokens is this sentence of several words?").build()).inputTokens();
    assertTrue(tokens > 5 && tokens < 60, "counted: " + tokens);
    assertTrue(h.upstreamRequests().isEmpty(), "no upstream call: " + h.upstreamRequests());
  }

  @Test
  void thinkingWithoutASignatureIsLeftOutOfRequestsToAnthropicAndSignedThinkingIsKept() throws Exception {
    JsonArray history = new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "First"))
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
            .add(new JsonObject().put("type", "thinking").put("thinking", "from a local model").put("signature", ""))
            .add(new JsonObject().put("type", "text").put("text", "Local answer"))))
        .add(new JsonObject().put("role", "user").put("content", "Second"))
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
            .add(new JsonObject().put("type", "thinking").put("thinking", "Claude's own").put("signature", "EqQBCkgIAxABGAIiQ"))
            .add(new JsonObject().put("type", "text").put("text", "Claude answer"))))
        .add(new JsonObject().put("role", "user").put("content", "Third"));
    HttpResponse<String> r = h.post("/v1/messages", request(history), "x-api-key", "k");
    assertEquals(200, r.statusCode(), r.body());
    JsonArray claudeSaw = anthropicSaw().getJsonObject(0).getJsonObject("body").getJsonArray("messages");
    assertEquals(new JsonArray().add(new JsonObject().put("type", "text").put("text", "Local answer")),
        claudeSaw.getJsonObject(1).getJsonArray("content"));
    assertEquals(2, claudeSaw.getJsonObject(3).getJsonArray("content").size(), "a signed block is Claude's own: kept");
  }

  @Test
  void anOpenAiBackendsRateLimitReachesAnAnthropicClientAsItsOwnRateLimit() throws Exception {
    h.fault(new JsonObject().put("status", 429).put("times", -1).put("headers", new JsonObject().put("retry-after", "1"))
        .put("body", new JsonObject().put("error", new JsonObject().put("message", "Rate limit reached for requests")
            .put("type", "requests").put("code", "rate_limit_exceeded"))));
    HttpResponse<String> r = h.post("/v1/messages", "{\"model\":\"local-coder\",\"max_tokens\":50,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "x-api-key", "k");
    assertEquals(429, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("retry-after").isPresent(), r.headers().map().toString());
    JsonObject body = new JsonObject(r.body());
    assertEquals("error", body.getString("type"), "Anthropic's error shape: " + r.body());
    assertEquals("rate_limit_error", body.getJsonObject("error").getString("type"));
  }

  @Test
  void anOverflowOnAnOpenAiBackendReachesAnAnthropicClientAsPromptIsTooLong() throws Exception {
    // one user message longer than the local model's window (mock-llm enforces 8192 for a model it does not list):
    // nothing can be cut, so the overflow is the client's to handle, in the words Claude Code compacts on
    String longText = "lorem ipsum dolor sit amet ".repeat(3000);
    HttpResponse<String> r = h.post("/v1/messages", new JsonObject().put("model", "local-coder").put("max_tokens", 50)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", longText))).encode(),
        "x-api-key", "k");
    assertEquals(400, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("invalid_request_error", error.getString("type"), r.body());
    assertTrue(error.getString("message").startsWith("prompt is too long"), r.body());
  }

  @Test
  void openAiSdkImageReachesAnAnthropicOnlyBackendAsABase64Block() {
    String png = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 4, 5, 6});
    openAi(h.base()).chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o")
        .addUserMessageOfArrayOfContentParts(List.of(
            ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64," + png).build()).build()),
            ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build())))
        .build());
    JsonArray blocks = anthropicSaw().getJsonObject(0).getJsonObject("body").getJsonArray("messages").getJsonObject(0)
        .getJsonArray("content");
    assertEquals(new JsonObject().put("type", "base64").put("media_type", "image/png").put("data", png),
        blocks.getJsonObject(0).getJsonObject("source"));
    assertEquals("What is this?", blocks.getJsonObject(1).getString("text"));
  }

  // --- an OpenAI client on an Anthropic-only backend

  @Test
  void openAiSdkGetsACompletionFromAnAnthropicOnlyBackend() {
    ChatCompletion c = openAi(h.base()).chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o").addSystemMessage("Be brief.").addUserMessage("Tell me about gateways").build());
    String text = c.choices().get(0).message().content().orElseThrow();
    assertTrue(text.contains("gateways"), text);
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
    assertTrue(c.usage().orElseThrow().promptTokens() > 0);

    JsonObject seen = anthropicSaw().getJsonObject(anthropicSaw().size() - 1);
    assertEquals("/v1/messages", seen.getString("path"));
    JsonObject body = seen.getJsonObject("body");
    assertEquals("claude-sonnet-4-5", body.getString("model"));
    assertEquals("Be brief.", body.getString("system"));
    assertTrue(body.getInteger("max_tokens") > 0, "Anthropic requires max_tokens: " + body);
    assertTrue(seen.getJsonObject("headers").containsKey("x-api-key"), "the backend's key in Anthropic's header");
    assertNull(seen.getJsonObject("headers").getString("authorization"), "the client's bearer key stays behind");
  }

  @Test
  void openAiSdkStreamsFromAnAnthropicOnlyBackendWithTheUsageItAskedFor() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    int chunks = 0;
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> s = openAi(h.base()).chat().completions()
        .createStreaming(ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Stream about gateways")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
        acc.accumulate(chunk);
        chunks++;
      }
    }
    ChatCompletion c = acc.chatCompletion();
    assertTrue(chunks >= 5, "chunks: " + chunks);
    assertTrue(c.choices().get(0).message().content().orElseThrow().contains("gateways"));
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
    assertTrue(c.usage().orElseThrow().completionTokens() > 0, "usage chunk: " + c.usage());
  }

  @Test
  void openAiSdkToolRoundTripThroughAnAnthropicOnlyBackend() {
    OpenAIClient client = openAi(h.base());
    ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
        .name("get_weather").description("Weather in a city")
        .parameters(FunctionParameters.builder().putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
            .putAdditionalProperty("properties", com.openai.core.JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .build()).build()).build();
    ChatCompletionCreateParams.Builder ask = ChatCompletionCreateParams.builder().model("gpt-4o").addTool(tool)
        .addUserMessage("Weather in Paris?");
    ChatCompletion first = client.chat().completions().create(ask.build());
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, first.choices().get(0).finishReason());
    ChatCompletionMessageToolCall call = first.choices().get(0).message().toolCalls().orElseThrow().get(0);
    String id = call.function().orElseThrow().id();
    assertEquals("get_weather", call.function().orElseThrow().function().name());

    ChatCompletion second = client.chat().completions().create(ask
        .addMessage(first.choices().get(0).message())
        .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(id).content("18 C, sunny").build())
        .build());
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, second.choices().get(0).finishReason());
    JsonArray sent = anthropicSaw().getJsonObject(anthropicSaw().size() - 1).getJsonObject("body").getJsonArray("messages");
    JsonObject toolUse = sent.getJsonObject(1).getJsonArray("content").stream().map(o -> (JsonObject) o)
        .filter(b -> "tool_use".equals(b.getString("type"))).findFirst().orElseThrow();
    assertEquals(id, toolUse.getString("id"));
    JsonObject result = sent.getJsonObject(2).getJsonArray("content").getJsonObject(0);
    assertEquals("tool_result", result.getString("type"));
    assertEquals(id, result.getString("tool_use_id"));
  }

  @Test
  void whatAnthropicCannotHonourIsRefusedWithA400NamingTheField() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"n\":2,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "authorization", "Bearer k");
    assertEquals(400, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertTrue(error.getString("message").contains("n"), r.body());
    assertTrue(anthropicSaw().isEmpty(), "nothing was sent");
  }

  @Test
  void aRouteWithTranslationOffAnswersAClientOfAnotherProtocolWithAClearError() {
    NotFoundException e = org.junit.jupiter.api.Assertions.assertThrows(NotFoundException.class, () ->
        anthropic(h.base()).messages().create(MessageCreateParams.builder().model("strict-local").maxTokens(50)
            .addUserMessage("hi").build()));
    // no route can serve it: the client hears which agents were skipped and why
    assertTrue(e.getMessage().contains("translation is off"), e.getMessage());
  }

  // --- fallback and handoff across providers

  @Test
  void claudeOverloadedFallsBackToTheLocalAgentAndSaysItCrossedProtocols() throws Exception {
    anthropicOnly.addFaults(new JsonArray().add(new JsonObject().put("status", 529).put("times", -1)
        .put("body", new JsonObject().put("type", "error").put("error", new JsonObject()
            .put("type", "overloaded_error").put("message", "Overloaded")))));
    HttpResponse<String> r = h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about gateways\"}]}", "x-api-key", "k",
        "anthropic-version", "2023-06-01");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject m = new JsonObject(r.body());
    assertEquals("message", m.getString("type"));
    assertTrue(m.getJsonArray("content").getJsonObject(0).getString("text").contains("gateways"));
    assertEquals("local", r.headers().firstValue("x-rebound-agent").orElseThrow());
    assertTrue(r.headers().firstValue("x-rebound-recovery").orElseThrow().contains("fell-back-across-protocols:1"),
        r.headers().map().toString());
  }

  @Test
  void aSpentAnthropicQuotaMovesAStreamingClaudeClientToTheLocalAgent() throws Exception {
    anthropicOnly.addFaults(new JsonArray().add(new JsonObject().put("status", 429).put("times", -1)
        .put("body", new JsonObject().put("type", "error").put("error", new JsonObject().put("type", "rate_limit_error")
            .put("message", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing"
                + " to upgrade or purchase credits.")))));
    HttpResponse<String> r = h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Stream about gateways\"}]}", "x-api-key", "k");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().startsWith("event: message_start"), r.body());
    assertTrue(r.body().contains("event: message_stop"), r.body());
    assertEquals("local", r.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("/v1/chat/completions", h.lastUpstreamRequest().getString("path"));
  }

  @Test
  void aStreamCutOnClaudeIsContinuedOnTheLocalAgentAsOneAnswer() throws Exception {
    anthropicOnly.addFaults(new JsonArray().add(new JsonObject().put("cutAfterChunks", 4).put("times", -1)));
    HttpResponse<String> r = h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Stream about gateways\"}]}", "x-api-key", "k");
    assertEquals(200, r.statusCode(), r.body());
    String body = r.body();
    assertEquals(1, body.split("event: message_start", -1).length - 1, body);
    assertTrue(body.trim().endsWith("data: {\"type\":\"message_stop\"}"), body);
    assertFalse(body.contains("event: error"), body);
    // the continuation asked the OpenAI backend, in its own way, for the rest of what the client already had
    JsonArray sent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    JsonObject partial = sent.getJsonObject(sent.size() - 2);
    assertEquals("assistant", partial.getString("role"));
    assertFalse(partial.getString("content").isBlank());
    assertTrue(sent.getJsonObject(sent.size() - 1).getString("content").startsWith("Continue your previous answer"), sent.encode());
    StringBuilder text = new StringBuilder();
    for (String line : body.split("\n")) {
      if (line.startsWith("data: ") && line.contains("text_delta")) {
        text.append(new JsonObject(line.substring(6)).getJsonObject("delta").getString("text"));
      }
    }
    assertTrue(text.toString().startsWith(partial.getString("content").strip()), text + " / " + partial);
  }

  @Test
  void aSessionStartedOnClaudeContinuesOnTheLocalAgentWithItsHistoryAndComesBackWhenThatOneFails() throws Exception {
    String path = "/s/handoff-1/v1/messages";
    JsonArray history = new JsonArray().add(new JsonObject().put("role", "user").put("content", "First question about gateways"));
    HttpResponse<String> one = h.post(path, request(history), "x-api-key", "k");
    assertEquals("claude", one.headers().firstValue("x-rebound-agent").orElseThrow(), one.body());
    history.add(new JsonObject().put("role", "assistant").put("content", new JsonObject(one.body()).getJsonArray("content")));
    history.add(new JsonObject().put("role", "user").put("content", "Second question about proxies"));

    anthropicOnly.addFaults(new JsonArray().add(new JsonObject().put("status", 529).put("times", 2)));
    HttpResponse<String> two = h.post(path, request(history), "x-api-key", "k");
    assertEquals(200, two.statusCode(), two.body());
    assertEquals("local", two.headers().firstValue("x-rebound-agent").orElseThrow());
    JsonArray localSaw = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    assertEquals(List.of("user", "assistant", "user"), localSaw.stream().map(o -> ((JsonObject) o).getString("role")).toList());
    String firstAnswer = new JsonObject(one.body()).getJsonArray("content").getJsonObject(0).getString("text");
    assertEquals(firstAnswer, localSaw.getJsonObject(1).getString("content"), "claude's answer, translated");

    // the session now sticks to the agent that served its last turn; when that one is overloaded, it comes back
    anthropicOnly.reset();
    h.fault(new JsonObject().put("status", 503).put("times", -1));
    history.add(new JsonObject().put("role", "assistant").put("content", new JsonObject(two.body()).getJsonArray("content")));
    history.add(new JsonObject().put("role", "user").put("content", "Third question about sessions"));
    HttpResponse<String> three = h.post(path, request(history), "x-api-key", "k");
    assertEquals("claude", three.headers().firstValue("x-rebound-agent").orElseThrow());
    JsonArray claudeSaw = anthropicSaw().getJsonObject(anthropicSaw().size() - 1).getJsonObject("body").getJsonArray("messages");
    assertEquals(5, claudeSaw.size());
    String localAnswer = new JsonObject(two.body()).getJsonArray("content").getJsonObject(0).getString("text");
    assertEquals(localAnswer, claudeSaw.getJsonObject(3).getJsonArray("content").getJsonObject(0).getString("text"));
    assertFalse(three.headers().firstValue("x-rebound-session").orElseThrow().isEmpty());

    JsonObject session = new JsonObject(h.get("/admin/sessions/handoff-1").body());
    assertEquals(6, session.getJsonArray("messages").size(), session.encodePrettily());
  }

  private static String request(JsonArray messages) {
    return new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 100).put("messages", messages).encode();
  }
}
