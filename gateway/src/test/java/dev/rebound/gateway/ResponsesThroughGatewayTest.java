package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.Tool;
import com.openai.models.responses.WebSearchTool;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI Responses API through the gateway with the official openai-java SDK's Responses client, served by a
 * mock-llm that speaks only Chat Completions, one that speaks only Anthropic Messages, and one that speaks Responses.
 */
class ResponsesThroughGatewayTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - name: chat
          protocol: openai
          url: ${MOCK_URL}
          models: [ { name: qwen-coder, contextWindow: 32768, maxOutputTokens: 2048 } ]
        - name: anthropic
          protocol: anthropic
          url: ANTHROPIC_URL
          models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ]
        - name: responses
          protocol: openai-responses
          url: RESPONSES_URL
          models: [ { name: gpt-5-codex, contextWindow: 200000 } ]
      agents:
        - { name: chat, backend: chat, model: qwen-coder }
        - { name: claude, backend: anthropic, model: claude-sonnet-4-5 }
        - { name: codex, backend: responses, model: gpt-5-codex }
      routes:
        - { name: on-chat, match: { model: "chat-*" }, agents: [chat] }
        - { name: on-claude, match: { model: "claude-*" }, agents: [claude] }
        - { name: on-responses, match: { model: "resp-*" }, agents: [codex] }
        - { name: chat-client-on-responses, match: { model: "only-resp" }, agents: [codex] }
      resilience: { retry: { baseDelay: 10ms, maxAttempts: 3 }, breaker: { failureThreshold: 1000 }, waitBudget: 5s,
                    keepAliveInterval: 300ms }
      """;

  Vertx others;
  MockLlmServer anthropicOnly;
  MockLlmServer responsesOnly;
  GatewayHarness h;

  @BeforeEach
  void start() {
    others = Vertx.vertx();
    anthropicOnly = new MockLlmServer(others, MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.ANTHROPIC)));
    responsesOnly = new MockLlmServer(others, MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.RESPONSES)));
    int anthropicPort = anthropicOnly.start().await();
    int responsesPort = responsesOnly.start().await();
    h = GatewayHarness.start(CONFIG.replace("ANTHROPIC_URL", "http://127.0.0.1:" + anthropicPort)
        .replace("RESPONSES_URL", "http://127.0.0.1:" + responsesPort),
        MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.OPENAI)));
  }

  @AfterEach
  void stop() {
    h.close();
    others.close().await();
  }

  OpenAIClient client() {
    return OpenAIOkHttpClient.builder().baseUrl(h.base() + "/v1").apiKey("client-key").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static JsonObject lastModelCall(MockLlmServer mock) {
    JsonObject last = null;
    for (Object o : mock.requests()) {
      JsonObject q = (JsonObject) o;
      if ("POST".equals(q.getString("method"))) last = q;
    }
    return last;
  }

  static Tool weatherTool() {
    return Tool.ofFunction(FunctionTool.builder().name("get_weather").description("Weather in a city").strict(false)
        .parameters(FunctionTool.Parameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .putAdditionalProperty("required", JsonValue.from(List.of("city")))
            .build())
        .build());
  }

  static String text(Response r) {
    StringBuilder b = new StringBuilder();
    for (ResponseOutputItem item : r.output()) {
      item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> b.append(t.text()))));
    }
    return b.toString();
  }

  /** Streams a request; returns the accumulated response, and checks the events' numbering and reconstruction. */
  static Streamed stream(OpenAIClient client, ResponseCreateParams params) {
    ResponseAccumulator acc = ResponseAccumulator.createWithSnapshots();
    StringBuilder deltas = new StringBuilder();
    List<String> types = new ArrayList<>();
    long[] lastSequence = {-1};
    int[] deltaCount = {0};
    try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(params)) {
      s.stream().forEach(e -> {
        acc.accumulate(e);
        JsonObject fields = asJson(e);
        types.add(fields.getString("type"));
        long sequence = fields.getLong("sequence_number");
        assertTrue(sequence > lastSequence[0], "sequence numbers go up: " + sequence + " after " + lastSequence[0]);
        lastSequence[0] = sequence;
        e.outputTextDelta().ifPresent(d -> {
          deltas.append(d.delta());
          deltaCount[0]++;
        });
      });
    }
    return new Streamed(acc.response(), acc.reconstructedResponse(), deltas.toString(), deltaCount[0], types);
  }

  static JsonObject asJson(ResponseStreamEvent e) {
    try {
      return new JsonObject(ObjectMappers.jsonMapper().writeValueAsString(e));
    } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
      throw new AssertionError(ex);
    }
  }

  record Streamed(Response completed, Response reconstructed, String deltas, int deltaCount, List<String> types) {}

  // --- a Responses client on a Chat Completions backend

  @Test
  void responsesSdkGetsAResponseFromAChatOnlyBackend() {
    Response r = client().responses().create(ResponseCreateParams.builder().model("chat-coder").instructions("You are terse.")
        .input("Tell me about gateways").maxOutputTokens(200).store(false).build());
    assertTrue(text(r).contains("gateways"), text(r));
    assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
    assertTrue(r.id().startsWith("resp_"), r.id());
    assertTrue(r.usage().orElseThrow().inputTokens() > 0 && r.usage().orElseThrow().outputTokens() > 0);

    JsonObject seen = h.lastUpstreamRequest();
    assertEquals("/v1/chat/completions", seen.getString("path"));
    JsonObject body = seen.getJsonObject("body");
    assertEquals("qwen-coder", body.getString("model"));
    assertEquals(200, body.getInteger("max_tokens"));
    assertEquals(new JsonArray().add(new JsonObject().put("role", "system").put("content", "You are terse."))
        .add(new JsonObject().put("role", "user").put("content", "Tell me about gateways")), body.getJsonArray("messages"));
    assertFalse(body.containsKey("store"), "store concerns OpenAI's keeping of responses, not the Chat backend");
  }

  @Test
  void responsesSdkStreamsFromAChatOnlyBackendEventByEvent() {
    Streamed s = stream(client(), ResponseCreateParams.builder().model("chat-coder").input("Stream about gateways please")
        .build());
    assertTrue(s.deltaCount() >= 5, "one delta per upstream chunk, not one buffered answer: " + s.deltaCount());
    assertEquals(s.deltas(), text(s.completed()));
    assertEquals(text(s.completed()), text(s.reconstructed()), "the events rebuild the completed response");
    assertTrue(s.deltas().contains("gateways"), s.deltas());
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added"), s.types().subList(0, 4));
    assertEquals(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed"), s.types().subList(s.types().size() - 4, s.types().size()));
    assertTrue(s.completed().usage().orElseThrow().outputTokens() > 0, "the usage chunk the gateway asked for");
    assertEquals(true, h.lastUpstreamRequest().getJsonObject("body").getJsonObject("stream_options").getBoolean("include_usage"));
  }

  @Test
  void functionToolRoundTripThroughAChatOnlyBackendKeepsTheCallId() {
    OpenAIClient client = client();
    Response first = client.responses().create(ResponseCreateParams.builder().model("chat-coder").addTool(weatherTool())
        .input("Weather in Paris?").build());
    ResponseFunctionToolCall call = first.output().stream().filter(ResponseOutputItem::isFunctionCall).findFirst()
        .orElseThrow().functionCall().orElseThrow();
    assertEquals("get_weather", call.name());
    assertEquals("{\"city\":\"mock\"}", call.arguments().replace(" ", ""));
    JsonObject toolSent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("tools").getJsonObject(0);
    assertEquals("get_weather", toolSent.getJsonObject("function").getString("name"));

    Response second = client.responses().create(ResponseCreateParams.builder().model("chat-coder").addTool(weatherTool())
        .inputOfResponse(List.of(
            ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                .content("Weather in Paris?").build()),
            ResponseInputItem.ofFunctionCall(call),
            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                .output("18 C, sunny").build())))
        .build());
    assertEquals(ResponseStatus.COMPLETED, second.status().orElseThrow());
    assertTrue(text(second).startsWith("Mock reply"), text(second));
    JsonArray sent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    JsonObject assistant = sent.getJsonObject(1);
    JsonObject tool = sent.getJsonObject(2);
    assertEquals(call.callId(), assistant.getJsonArray("tool_calls").getJsonObject(0).getString("id"));
    assertEquals(call.arguments(), assistant.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").getString("arguments"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", call.callId()).put("content", "18 C, sunny"), tool);
  }

  @Test
  void aStreamedFunctionCallArrivesAsArgumentDeltasOfOneItem() {
    Streamed s = stream(client(), ResponseCreateParams.builder().model("chat-coder").addTool(weatherTool())
        .input("Weather in Paris?").build());
    ResponseFunctionToolCall call = s.completed().output().get(0).functionCall().orElseThrow();
    assertEquals("get_weather", call.name());
    assertTrue(s.types().stream().filter("response.function_call_arguments.delta"::equals).count() >= 2, s.types().toString());
    assertTrue(s.types().contains("response.function_call_arguments.done"));
    assertEquals(call.arguments(), s.reconstructed().output().get(0).functionCall().orElseThrow().arguments());
    assertTrue(call.callId().startsWith("call_"), "the backend's tool call id is the call_id: " + call.callId());
  }

  @Test
  void aHostedToolIsRefusedWithA400NamingItWhenTheBackendDoesNotSpeakResponses() {
    BadRequestException e = assertThrows(BadRequestException.class, () -> client().responses().create(
        ResponseCreateParams.builder().model("chat-coder").input("news today?")
            .addTool(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH).build()).build()));
    assertTrue(e.getMessage().contains("web_search"), e.getMessage());
    assertTrue(h.upstreamRequests().isEmpty(), "nothing was sent upstream");
  }

  @Test
  void aScriptedRateLimitIsRecoveredAndTheClientSeesOneResponse() {
    h.fault(RecoveryTest.fault("retry-me").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after-ms", "20")));
    Streamed s = stream(client(), ResponseCreateParams.builder().model("chat-coder").input("retry-me please").build());
    assertTrue(s.deltas().contains("retry-me"), s.deltas());
    assertEquals(1, s.types().stream().filter("response.created"::equals).count());
    assertEquals(2, h.upstreamRequests().size(), "one rate-limited call, one answered");
  }

  @Test
  void aRateLimitSentInsideTheBackendsStreamIsReadAsOneAndTheAnswerContinued() {
    Streamed whole = stream(client(), ResponseCreateParams.builder().model("chat-coder").input("mid-error please now").build());
    h.fault(RecoveryTest.fault("mid-error").put("times", 1).put("streamErrorAfterChunks", 3)
        .put("event", RecoveryTest.rateLimitBody()));
    Streamed s = stream(client(), ResponseCreateParams.builder().model("chat-coder").input("mid-error please now").build());
    assertEquals(whole.deltas(), s.deltas());
    assertFalse(s.types().contains("error"), "the client never saw the backend's error: " + s.types());
    assertTrue(h.events("give-up").isEmpty(), "nothing was given up");
    assertEquals(1, h.events("failure").size());
    assertEquals("RATE_LIMITED", String.valueOf(h.events("failure").get(0).fields().get("kind")), "read as a rate limit");
    assertEquals(3, h.upstreamRequests().size(), "the whole answer, the cut one, and its continuation");
  }

  @Test
  void aCutStreamIsContinuedInTheSameResponseAndItem() {
    Streamed whole = stream(client(), ResponseCreateParams.builder().model("chat-coder").input("cut-me please now").build());
    h.fault(RecoveryTest.fault("cut-me").put("times", 1).put("cutAfterChunks", 3));
    Streamed s = stream(client(), ResponseCreateParams.builder().model("chat-coder").input("cut-me please now").build());
    assertEquals(whole.deltas(), s.deltas(), "the continuation goes on where the cut left off");
    assertEquals(1, s.types().stream().filter("response.created"::equals).count(), s.types().toString());
    assertEquals(1, s.types().stream().filter("response.output_item.added"::equals).count(), s.types().toString());
    assertEquals(1, s.completed().output().size());
    assertEquals(s.deltas(), text(s.completed()));
    assertEquals(s.completed().id(), s.reconstructed().id());
    assertEquals(s.completed().output().get(0).message().orElseThrow().id(),
        s.reconstructed().output().get(0).message().orElseThrow().id(), "the item id the client saw first stays");
    JsonArray calls = h.upstreamRequests();
    JsonArray continued = calls.getJsonObject(calls.size() - 1).getJsonObject("body").getJsonArray("messages");
    assertTrue(continued.getJsonObject(continued.size() - 1).getString("content").startsWith("Continue your previous answer"));
  }

  @Test
  void aStreamTheGatewayGivesUpOnEndsWithErrorAndResponseFailedNumberedAfterItUnderTheSameId() throws Exception {
    // every attempt is cut, the continuations too: the gateway gives up after resilience.retry.maxAttempts
    h.fault(RecoveryTest.fault("always-cut").put("times", -1).put("cutAfterChunks", 3));
    List<JsonObject> events = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> s = client().responses().createStreaming(ResponseCreateParams.builder()
        .model("chat-coder").input("always-cut please now").build())) {
      s.stream().forEach(e -> events.add(asJson(e)));
    }
    assertFalse(h.events("give-up").isEmpty(), "the gateway gave up");
    List<String> types = events.stream().map(e -> e.getString("type")).toList();
    assertEquals("response.created", types.get(0), types.toString());
    assertEquals(List.of("error", "response.failed"), types.subList(types.size() - 2, types.size()), types.toString());
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i).getLong("sequence_number") > events.get(i - 1).getLong("sequence_number"),
          "sequence numbers rise: " + events.get(i).encode() + " after " + events.get(i - 1).encode());
    }
    String id = events.get(0).getJsonObject("response").getString("id");
    JsonObject failed = events.get(events.size() - 1).getJsonObject("response");
    assertEquals(id, failed.getString("id"), failed.encode());
    assertEquals("failed", failed.getString("status"));
    assertFalse(failed.getJsonObject("error").getString("message").isBlank(), failed.encode());
  }

  @Test
  void whileTheGatewayWaitsOutA429TheStreamingClientGetsResponsesKeepAlivesThenTheAnswer() throws Exception {
    h.fault(RecoveryTest.fault("wait-2s").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "2")));
    HttpResponse<String> r = h.post("/v1/responses", new JsonObject().put("model", "chat-coder")
        .put("input", "wait-2s please").put("stream", true).encode());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    String body = r.body();
    int created = body.indexOf("event: response.created");
    assertTrue(created > 0, body);
    String before = body.substring(0, created);
    // the Responses keep-alive is an SSE comment, every keepAliveInterval (300 ms) of the 2 s wait
    assertTrue(before.startsWith(": keep-alive\n\n"), before);
    assertTrue(before.replace(": keep-alive\n\n", "").isEmpty(), "only keep-alives before the answer: " + before);
    assertTrue(before.split(": keep-alive", -1).length - 1 >= 3, before);
    assertTrue(body.contains("event: response.completed"), body);
    assertEquals(2, h.upstreamRequests().size());

    // the SDK reads through them
    h.fault(RecoveryTest.fault("wait-2s-sdk").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "2")));
    Streamed s = stream(client(), ResponseCreateParams.builder().model("chat-coder").input("wait-2s-sdk please").build());
    assertEquals("response.completed", s.types().get(s.types().size() - 1));
    assertEquals(s.deltas(), text(s.completed()));
  }

  @Test
  void anAnswerStoppedByMaxOutputTokensOnAChatBackendIsResponseIncompleteEndToEnd() {
    ResponseCreateParams params = ResponseCreateParams.builder().model("chat-coder").input("tell me a long story")
        .maxOutputTokens(16).build();
    Response whole = client().responses().create(params);
    assertEquals(ResponseStatus.INCOMPLETE, whole.status().orElseThrow());
    assertEquals(Response.IncompleteDetails.Reason.MAX_OUTPUT_TOKENS, whole.incompleteDetails().orElseThrow().reason().orElseThrow());
    assertFalse(text(whole).isBlank());
    JsonObject sent = lastModelCall(h.mock).getJsonObject("body");
    assertEquals(16, sent.containsKey("max_completion_tokens") ? sent.getInteger("max_completion_tokens")
        : sent.getInteger("max_tokens"), sent.encode());

    Streamed s = stream(client(), params);
    assertEquals("response.incomplete", s.types().get(s.types().size() - 1), s.types().toString());
    assertFalse(s.types().contains("response.completed"), s.types().toString());
    assertEquals(ResponseStatus.INCOMPLETE, s.completed().status().orElseThrow());
    assertEquals(Response.IncompleteDetails.Reason.MAX_OUTPUT_TOKENS,
        s.completed().incompleteDetails().orElseThrow().reason().orElseThrow());
    assertEquals(s.deltas(), text(s.completed()));
    assertEquals(text(whole), s.deltas(), "the stream says what the whole answer said");
  }

  // --- a Responses client on an Anthropic backend

  @Test
  void responsesSdkGetsAResponseFromAnAnthropicOnlyBackend() {
    Response r = client().responses().create(ResponseCreateParams.builder().model("claude-coder").instructions("Be brief.")
        .input("Tell me about gateways").build());
    assertTrue(text(r).contains("gateways"), text(r));
    assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
    JsonObject seen = lastModelCall(anthropicOnly);
    assertEquals("/v1/messages", seen.getString("path"));
    assertEquals("Be brief.", seen.getJsonObject("body").getString("system"));
    assertEquals("claude-sonnet-4-5", seen.getJsonObject("body").getString("model"));
  }

  @Test
  void responsesSdkStreamsAndCallsToolsThroughAnAnthropicOnlyBackend() {
    Streamed s = stream(client(), ResponseCreateParams.builder().model("claude-coder").input("Stream about gateways").build());
    assertTrue(s.deltaCount() >= 5, "event by event: " + s.deltaCount());
    assertEquals(s.deltas(), text(s.completed()));
    assertEquals(text(s.completed()), text(s.reconstructed()));

    Streamed tool = stream(client(), ResponseCreateParams.builder().model("claude-coder").addTool(weatherTool())
        .input("Weather in Paris?").build());
    ResponseFunctionToolCall call = tool.completed().output().get(0).functionCall().orElseThrow();
    assertEquals("get_weather", call.name());
    assertTrue(call.callId().startsWith("toolu_"), "Anthropic's tool_use id is the call_id: " + call.callId());
    Response second = client().responses().create(ResponseCreateParams.builder().model("claude-coder").addTool(weatherTool())
        .inputOfResponse(List.of(
            ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                .content("Weather in Paris?").build()),
            ResponseInputItem.ofFunctionCall(call),
            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                .output("18 C").build())))
        .build());
    assertEquals(ResponseStatus.COMPLETED, second.status().orElseThrow());
    JsonArray sent = lastModelCall(anthropicOnly).getJsonObject("body").getJsonArray("messages");
    JsonObject result = sent.getJsonObject(sent.size() - 1).getJsonArray("content").getJsonObject(0);
    assertEquals("tool_result", result.getString("type"));
    assertEquals(call.callId(), result.getString("tool_use_id"));
  }

  // --- a Responses backend

  @Test
  void aResponsesBackendGetsTheRequestWithOnlyTheModelRewritten() throws Exception {
    String body = "{\"model\":\"resp-codex\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"hi there\"}]}],"
        + "\"instructions\":\"Be brief.\",\"store\":false,\"include\":[\"reasoning.encrypted_content\"],"
        + "\"prompt_cache_key\":\"abc\",\"reasoning\":{\"effort\":\"low\"}}";
    HttpResponse<String> r = h.post("/v1/responses", body);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    assertEquals("completed", answer.getString("status"));
    JsonObject sent = lastModelCall(responsesOnly);
    assertEquals("/v1/responses", sent.getString("path"));
    JsonObject expected = new JsonObject(body).put("model", "gpt-5-codex");
    assertEquals(expected, sent.getJsonObject("body"));
  }

  @Test
  void aResponsesBackendStreamsThroughAndACutIsContinuedInTheSameItem() {
    Streamed whole = stream(client(), ResponseCreateParams.builder().model("resp-codex").input("cut-me please now").build());
    responsesOnly.addFaults(new JsonArray().add(RecoveryTest.fault("cut-me").put("times", 1).put("cutAfterChunks", 2)));
    Streamed s = stream(client(), ResponseCreateParams.builder().model("resp-codex").input("cut-me please now").build());
    assertEquals(whole.deltas(), s.deltas());
    assertEquals(1, s.types().stream().filter("response.created"::equals).count(), s.types().toString());
    assertEquals(s.deltas(), text(s.completed()));
    assertEquals(s.completed().output().get(0).message().orElseThrow().id(),
        s.reconstructed().output().get(0).message().orElseThrow().id());
    JsonObject continued = lastModelCall(responsesOnly).getJsonObject("body");
    JsonArray input = continued.getJsonArray("input");
    assertEquals("assistant", input.getJsonObject(input.size() - 2).getString("role"));
  }

  @Test
  void aHostedToolIsPassedThroughToAResponsesBackendUnchanged() {
    ResponseCreateParams params = ResponseCreateParams.builder().model("resp-codex").input("news today?")
        .addTool(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH).build()).build();
    Response r = client().responses().create(params);
    assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow());
    JsonObject sent = lastModelCall(responsesOnly);
    assertEquals("/v1/responses", sent.getString("path"));
    assertEquals(new JsonArray().add(new JsonObject().put("type", "web_search")), sent.getJsonObject("body").getJsonArray("tools"),
        sent.encode());

    Streamed s = stream(client(), ResponseCreateParams.builder().model("resp-codex").input("news today?")
        .addTool(Tool.ofWebSearch(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH)
            .searchContextSize(WebSearchTool.SearchContextSize.LOW).build())).build());
    assertEquals("response.completed", s.types().get(s.types().size() - 1));
    assertEquals(new JsonArray().add(new JsonObject().put("type", "web_search").put("search_context_size", "low")),
        lastModelCall(responsesOnly).getJsonObject("body").getJsonArray("tools"));
  }

  @Test
  void aChatClientIsNotRoutedToAResponsesBackend() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"only-resp\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals(404, r.statusCode(), r.body());
    assertTrue(r.body().contains("not translated"), r.body());
    assertNull(lastModelCall(responsesOnly));
  }

  @Test
  void theFrontDoorIsAlsoServedUnderASessionPrefix() throws Exception {
    HttpResponse<String> r = h.post("/s/codex-1/v1/responses",
        "{\"model\":\"chat-coder\",\"input\":\"hi from a session\",\"stream\":true}");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("event: response.completed"), r.body());
    assertEquals("/v1/chat/completions", h.lastUpstreamRequest().getString("path"));
  }

  @Test
  void anUnknownFieldTypeIsA400InTheResponsesErrorShape() throws Exception {
    HttpResponse<String> r = h.post("/v1/responses", "{\"model\":\"chat-coder\",\"input\":42}");
    assertEquals(400, r.statusCode());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("input", error.getString("param"));
    assertTrue(error.getString("message").startsWith("input: must be a string or a list"), error.getString("message"));
    assertTrue(h.upstreamRequests().isEmpty(), "nothing was sent upstream");
  }
}
