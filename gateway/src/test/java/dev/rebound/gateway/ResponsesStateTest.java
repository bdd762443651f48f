package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.inputitems.InputItemListPage;
import com.openai.models.responses.inputitems.InputItemListParams;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Responses API's state by id, kept in the session store: {@code store: true} keeps each response as a turn of a
 * session, {@code previous_response_id} goes on from it (its stored history prepended to what the upstream sees), across
 * a gateway restart and across two gateways on one Redis; GET / DELETE / input_items answer as OpenAI does, per tenant.
 * The client is the official openai-java SDK; the upstream a mock-llm speaking Chat Completions, and one speaking
 * Responses.
 */
class ResponsesStateTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0, maxBodyBytes: 8388608 }
      backends:
        - name: chat
          protocol: openai
          url: ${MOCK_URL}
          models: [ { name: gpt-4o, contextWindow: 128000 }, { name: mock-small, contextWindow: 4096 } ]
        - name: responses
          protocol: openai-responses
          url: RESPONSES_URL
          models: [ { name: gpt-5-codex, contextWindow: 200000 } ]
      agents:
        - { name: chat, backend: chat, model: gpt-4o }
        - { name: small, backend: chat, model: mock-small }
        - { name: codex, backend: responses, model: gpt-5-codex }
      routes:
        - { name: small, match: { model: small }, agents: [small] }
        - { name: on-responses, match: { model: "resp-*" }, agents: [codex] }
        - { name: default, match: {}, agents: [chat] }
      context: { onOverflow: truncate, keepRecentTurns: 2, reserveOutputTokens: 512 }
      tenants:
        - { name: acme, keys: [key-acme] }
        - { name: other, keys: [key-other] }
      resilience: { retry: { baseDelay: 10ms }, breaker: { failureThreshold: 1000 } }
      """;

  final Vertx others = Vertx.vertx();
  final MockLlmServer responsesOnly =
      new MockLlmServer(others, MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.RESPONSES)));
  final List<GatewayHarness> harnesses = new ArrayList<>();
  Process redis;

  @AfterEach
  void stop() {
    harnesses.forEach(GatewayHarness::close);
    if (redis != null) redis.destroyForcibly();
    others.close().await();
  }

  int responsesPort;

  GatewayHarness gateway(String extra) {
    if (responsesPort == 0) responsesPort = responsesOnly.start().await();
    int port = responsesPort;
    GatewayHarness h = GatewayHarness.start(CONFIG.replace("RESPONSES_URL", "http://127.0.0.1:" + port) + extra,
        MockLlmOptions.defaults(), Clock.systemUTC());
    harnesses.add(h);
    return h;
  }

  static OpenAIClient client(GatewayHarness h, String key) {
    return OpenAIOkHttpClient.builder().baseUrl(h.base() + "/v1").apiKey(key).maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static String text(Response r) {
    return ResponsesThroughGatewayTest.text(r);
  }

  static JsonArray upstreamMessages(GatewayHarness h) {
    return h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
  }

  static JsonObject msg(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  static JsonObject session(GatewayHarness h, String tenant, String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id + "?tenant=" + tenant);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  static String sessionOf(GatewayHarness h, String responseId) {
    // the event that says where the response is kept (the assistant turn's checkpoint names its response id too)
    return h.events("checkpoint").stream().filter(e -> responseId.equals(e.fields().get("responseId"))
            && e.fields().containsKey("session"))
        .map(e -> String.valueOf(e.fields().get("session"))).findFirst()
        .orElseThrow(() -> new AssertionError("no event says where " + responseId + " is kept: " + h.events));
  }

  // --- keeping and continuing

  @Test
  void previousResponseIdSendsTheStoredHistoryUpstreamAndTheTurnsGoToOneSession() throws Exception {
    GatewayHarness h = gateway("");
    OpenAIClient client = client(h, "key-acme");
    Response first = client.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .instructions("Be brief.").input("My name is Ada").build());
    assertEquals(new JsonArray().add(msg("system", "Be brief.")).add(msg("user", "My name is Ada")), upstreamMessages(h));

    Response second = client.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .previousResponseId(first.id()).input("What is my name?").build());
    assertTrue(text(second).startsWith("Mock reply to: What is my name"), text(second));
    assertEquals(new JsonArray().add(msg("user", "My name is Ada")).add(msg("assistant", text(first)))
            .add(msg("user", "What is my name?")), upstreamMessages(h),
        "the first turn went before the new question; its instructions did not carry over, as on OpenAI");
    assertFalse(h.lastUpstreamRequest().getJsonObject("body").containsKey("previous_response_id"));

    String session = sessionOf(h, first.id());
    assertTrue(session.startsWith("responses-"), session);
    assertEquals(session, sessionOf(h, second.id()), "the continued response is the next turn of the same session");
    JsonObject stored = session(h, "acme", session);
    JsonArray messages = stored.getJsonArray("messages");
    assertEquals(4, messages.size(), messages.encodePrettily());
    assertEquals(first.id(), messages.getJsonObject(1).getJsonObject("message").getString("response_id"),
        "the session view says which response each answer was");
    assertEquals(second.id(), messages.getJsonObject(3).getJsonObject("message").getString("response_id"));
    assertEquals(2, stored.getJsonObject("meta").getInteger("turns"));
    JsonObject where = new JsonObject(h.get("/admin/responses/" + first.id() + "?tenant=acme").body());
    assertEquals(session, where.getString("session"));
    assertEquals(1, where.getInteger("turn"));
    assertEquals(first.id(), where.getJsonObject("response").getString("id"));
    assertEquals(404, h.get("/admin/responses/" + first.id() + "?tenant=other").statusCode(), "another tenant's");
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
  }

  @Test
  void goingOnFromAnEarlierResponseBranchesAndEveryBranchCanStillBeContinued() {
    GatewayHarness h = gateway("");
    OpenAIClient client = client(h, "key-acme");
    Response first = client.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("root").build());
    Response left = client.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .previousResponseId(first.id()).input("left").build());
    Response right = client.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .previousResponseId(first.id()).input("right").build());
    assertEquals(new JsonArray().add(msg("user", "root")).add(msg("assistant", text(first))).add(msg("user", "right")),
        upstreamMessages(h), "the branch goes on from the first response, not from the latest one");

    client.responses().create(ResponseCreateParams.builder().model("gpt-4o").previousResponseId(left.id())
        .input("left again").build());
    assertEquals(new JsonArray().add(msg("user", "root")).add(msg("assistant", text(first))).add(msg("user", "left"))
        .add(msg("assistant", text(left))).add(msg("user", "left again")), upstreamMessages(h),
        "the other branch, kept as a fork of the session, still goes on");
    client.responses().create(ResponseCreateParams.builder().model("gpt-4o").previousResponseId(right.id())
        .input("right again").build());
    assertEquals(msg("assistant", text(right)), upstreamMessages(h).getJsonObject(3));
  }

  @Test
  void aStreamedChainKeepsEachCompletedResponseAndGetReturnsIt() throws Exception {
    GatewayHarness h = gateway("");
    OpenAIClient client = client(h, "key-acme");
    ResponsesThroughGatewayTest.Streamed first = ResponsesThroughGatewayTest.stream(client,
        ResponseCreateParams.builder().model("gpt-4o").input("Stream about rivers").build());
    ResponsesThroughGatewayTest.Streamed second = ResponsesThroughGatewayTest.stream(client,
        ResponseCreateParams.builder().model("gpt-4o").previousResponseId(first.completed().id())
            .input("And about lakes").build());
    assertEquals(new JsonArray().add(msg("user", "Stream about rivers")).add(msg("assistant", first.deltas()))
        .add(msg("user", "And about lakes")), upstreamMessages(h));

    Response fetched = client.responses().retrieve(second.completed().id());
    assertEquals(second.completed().id(), fetched.id());
    assertEquals(second.deltas(), text(fetched), "the response as the stream completed it");
    assertEquals(first.completed().id(), fetched.previousResponseId().orElseThrow());
    assertEquals(second.completed().usage().orElseThrow().outputTokens(), fetched.usage().orElseThrow().outputTokens());
  }

  @Test
  void aFunctionCallIsAnsweredByItsOutputAfterPreviousResponseId() {
    GatewayHarness h = gateway("");
    OpenAIClient client = client(h, "key-acme");
    Response first = client.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .addTool(ResponsesThroughGatewayTest.weatherTool()).input("Weather in Paris?").build());
    ResponseFunctionToolCall call = first.output().stream().filter(ResponseOutputItem::isFunctionCall).findFirst()
        .orElseThrow().functionCall().orElseThrow();

    Response second = client.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .addTool(ResponsesThroughGatewayTest.weatherTool()).previousResponseId(first.id())
        .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
            .callId(call.callId()).output("18 C, sunny").build())))
        .build());
    assertTrue(text(second).startsWith("Mock reply"), text(second));
    JsonArray sent = upstreamMessages(h);
    assertEquals(3, sent.size(), sent.encodePrettily());
    assertEquals(msg("user", "Weather in Paris?"), sent.getJsonObject(0));
    JsonObject toolCall = sent.getJsonObject(1).getJsonArray("tool_calls").getJsonObject(0);
    assertEquals(call.callId(), toolCall.getString("id"));
    assertEquals("get_weather", toolCall.getJsonObject("function").getString("name"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", call.callId()).put("content", "18 C, sunny"),
        sent.getJsonObject(2));
  }

  @Test
  void aResponsesBackendGetsTheHistoryAsInputItemsAndNoPreviousResponseId() {
    GatewayHarness h = gateway("");
    OpenAIClient client = client(h, "key-acme");
    Response first = client.responses().create(ResponseCreateParams.builder().model("resp-codex").input("hello there").build());
    client.responses().create(ResponseCreateParams.builder().model("resp-codex").previousResponseId(first.id())
        .input("and again").build());
    JsonObject sent = ResponsesThroughGatewayTest.lastModelCall(responsesOnly).getJsonObject("body");
    assertFalse(sent.containsKey("previous_response_id"), "the backend keeps none of the gateway's responses");
    JsonArray input = sent.getJsonArray("input");
    assertEquals(msg("user", "hello there"), input.getJsonObject(0));
    JsonObject answer = input.getJsonObject(1);
    assertEquals("message", answer.getString("type"));
    assertEquals("assistant", answer.getString("role"));
    assertEquals(text(first), answer.getJsonArray("content").getJsonObject(0).getString("text"));
    assertEquals(msg("user", "and again"), input.getJsonObject(2));
  }

  @Test
  void anUnknownPreviousResponseIdIsRefusedAsOpenAiDoesAndNothingGoesUpstream() {
    GatewayHarness h = gateway("");
    BadRequestException e = assertThrows(BadRequestException.class, () -> client(h, "key-acme").responses().create(
        ResponseCreateParams.builder().model("gpt-4o").previousResponseId("resp_nope").input("hi").build()));
    assertEquals(400, e.statusCode());
    assertEquals("previous_response_not_found", e.code().orElseThrow());
    assertEquals("previous_response_id", e.param().orElseThrow());
    assertTrue(e.getMessage().contains("Previous response with id 'resp_nope' not found"), e.getMessage());
    assertTrue(h.upstreamRequests().isEmpty(), "nothing was sent upstream");
  }

  // --- GET, DELETE, input_items, tenants

  @Test
  void getDeleteAndInputItemsAnswerAsOpenAiAndOnlyForTheTenantThatMadeTheResponse() throws Exception {
    GatewayHarness h = gateway("");
    OpenAIClient acme = client(h, "key-acme");
    Response first = acme.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("one").build());
    Response second = acme.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .previousResponseId(first.id()).input("two").build());
    Response third = acme.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .previousResponseId(second.id()).input("three").build());

    Response fetched = acme.responses().retrieve(first.id());
    assertEquals(first.id(), fetched.id());
    assertEquals(text(first), text(fetched));
    assertThrows(NotFoundException.class, () -> client(h, "key-other").responses().retrieve(first.id()),
        "another tenant's response is not found");

    // the items the third response was made from: the whole chain before its answer, newest first by default
    InputItemListPage page = acme.responses().inputItems().list(third.id());
    List<ResponseItem> items = page.data();
    assertEquals(5, items.size(), items.toString());
    assertEquals("three", items.get(0).asResponseInputMessageItem().content().get(0).asInputText().text());
    assertEquals("one", items.get(4).asResponseInputMessageItem().content().get(0).asInputText().text());
    assertTrue(items.get(1).isResponseOutputMessage() || items.get(1).isResponseInputMessageItem(), items.get(1).toString());
    assertFalse(page.response().hasMore());

    InputItemListPage firstTwo = acme.responses().inputItems().list(third.id(), InputItemListParams.builder()
        .order(InputItemListParams.Order.ASC).limit(2).build());
    assertEquals(2, firstTwo.data().size());
    assertTrue(firstTwo.response().hasMore());
    String lastId = firstTwo.response().lastId();
    InputItemListPage next = acme.responses().inputItems().list(third.id(), InputItemListParams.builder()
        .order(InputItemListParams.Order.ASC).limit(2).after(lastId).build());
    assertEquals("two", next.data().get(0).asResponseInputMessageItem().content().get(0).asInputText().text());
    assertEquals(items.get(2).asResponseInputMessageItem().id(), next.data().get(0).asResponseInputMessageItem().id(),
        "an item keeps its id from call to call");
    HttpResponse<String> badLimit = h.get("/v1/responses/" + third.id() + "/input_items?limit=0",
        "authorization", "Bearer key-acme");
    assertEquals(400, badLimit.statusCode());
    assertEquals("limit", new JsonObject(badLimit.body()).getJsonObject("error").getString("param"));

    HttpResponse<String> otherDeletes = delete(h, first.id(), "key-other");
    assertEquals(404, otherDeletes.statusCode(), otherDeletes.body());
    HttpResponse<String> deleted = delete(h, first.id(), "key-acme");
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertEquals(new JsonObject().put("id", first.id()).put("object", "response.deleted").put("deleted", true),
        new JsonObject(deleted.body()));
    NotFoundException gone = assertThrows(NotFoundException.class, () -> acme.responses().retrieve(first.id()));
    assertTrue(gone.getMessage().contains("Response with id '" + first.id() + "' not found"), gone.getMessage());
    assertEquals(404, delete(h, first.id(), "key-acme").statusCode(), "deleted once");
    assertThrows(BadRequestException.class, () -> acme.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .previousResponseId(first.id()).input("again").build()), "a deleted response cannot be continued");
    assertEquals(second.id(), acme.responses().retrieve(second.id()).id(), "the others stay");
  }

  static HttpResponse<String> delete(GatewayHarness h, String id, String key) throws Exception {
    return h.http.send(HttpRequest.newBuilder(URI.create(h.base() + "/v1/responses/" + id))
        .header("authorization", "Bearer " + key).DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  // --- store: false, and Codex's own session header

  @Test
  void storeFalseKeepsNothingButCodexsSessionHeaderStillCheckpointsEveryTurn() throws Exception {
    GatewayHarness h = gateway("");
    String session = "0199a3e1-codex-thread";
    JsonArray input = new JsonArray().add(new JsonObject().put("type", "message").put("role", "user")
        .put("content", new JsonArray().add(new JsonObject().put("type", "input_text").put("text", "list the files"))));
    JsonObject firstAnswer = codexTurn(h, session, input);
    String firstId = firstAnswer.getString("id");
    // as Codex does with store: false, the next request carries the whole conversation: the output items, then more
    firstAnswer.getJsonArray("output").forEach(input::add);
    input.add(new JsonObject().put("type", "message").put("role", "user")
        .put("content", new JsonArray().add(new JsonObject().put("type", "input_text").put("text", "now count them"))));
    codexTurn(h, session, input);

    JsonObject stored = session(h, "acme", session);
    List<String> roles = stored.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("role")).toList();
    assertEquals(List.of("user", "assistant", "user", "assistant"), roles, "each turn stored once, in order");
    assertTrue(h.events("fork").isEmpty(), "the resent conversation extends the stored one: " + h.events("fork"));
    assertEquals(404, h.get("/v1/responses/" + firstId, "authorization", "Bearer key-acme").statusCode(),
        "store: false keeps no response by id");
    JsonArray sessions = new JsonObject(h.get("/admin/sessions?tenant=acme").body()).getJsonArray("sessions");
    assertEquals(1, sessions.size(), "no session of the gateway's own: " + sessions.encodePrettily());
  }

  @Test
  void olderCodexVersionsSessionHeaderSpellingBindsTooAndABadOneIsA400NamingIt() throws Exception {
    GatewayHarness h = gateway("");
    String body = "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"store\":false}";
    HttpResponse<String> r = h.post("/v1/responses", body, "authorization", "Bearer key-acme", "session_id", "old-codex-1");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-rebound-session").orElseThrow().startsWith("old-codex-1;"));
    HttpResponse<String> bad = h.post("/v1/responses", body, "authorization", "Bearer key-acme", "session-id", "a b");
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(new JsonObject(bad.body()).getJsonObject("error").getString("message").contains("session-id"), bad.body());
  }

  /** One Codex request: streamed, store: false, Codex's session-id header; the completed response. */
  static JsonObject codexTurn(GatewayHarness h, String session, JsonArray input) throws Exception {
    JsonObject body = new JsonObject().put("model", "gpt-4o").put("instructions", "You are Codex.").put("input", input)
        .put("store", false).put("stream", true).put("include", new JsonArray().add("reasoning.encrypted_content"));
    HttpResponse<String> r = h.post("/v1/responses", body.encode(), "authorization", "Bearer key-acme",
        "session-id", session, "thread-id", session);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(session + "; turn=" + (input.size() / 2 + 1),
        r.headers().firstValue("x-rebound-session").orElseThrow().replaceAll(";\\s*", "; "));
    String completed = r.body().lines().filter(l -> l.startsWith("data: ") && l.contains("\"response.completed\""))
        .findFirst().orElseThrow(() -> new AssertionError(r.body()));
    return new JsonObject(completed.substring("data: ".length())).getJsonObject("response");
  }

  // --- truncation

  @Test
  void truncationAutoIsServedByTheContextFitAndDisabledAnswersTheOverflowInTheResponsesShape() throws Exception {
    GatewayHarness h = gateway("");
    JsonArray input = new JsonArray();
    for (int t = 0; t < 40; t++) {
      input.add(new JsonObject().put("type", "message").put("role", "user").put("content", new JsonArray()
          .add(new JsonObject().put("type", "input_text").put("text", "Turn " + t + ": " + Conversations.words(t, 60)))));
      input.add(new JsonObject().put("type", "message").put("role", "assistant").put("content", new JsonArray()
          .add(new JsonObject().put("type", "output_text").put("text", "Answer " + t + ": " + Conversations.words(t + 3, 50)))));
    }
    input.add(msg("user", "What did we learn?"));
    JsonObject request = new JsonObject().put("model", "small").put("input", input).put("store", false);

    HttpResponse<String> cut = h.post("/v1/responses", request.copy().put("truncation", "auto").encode(),
        "authorization", "Bearer key-acme");
    assertEquals(200, cut.statusCode(), cut.body());
    assertTrue(cut.headers().firstValue("x-rebound-context").orElseThrow().startsWith("truncated"),
        cut.headers().map().toString());
    JsonArray sent = upstreamMessages(h);
    assertTrue(sent.size() < input.size(), "the oldest turns were left out: " + sent.size() + " of " + input.size());
    assertEquals(msg("user", "What did we learn?"), sent.getJsonObject(sent.size() - 1));

    int before = h.upstreamRequests().size();
    for (JsonObject disabled : List.of(request.copy().put("truncation", "disabled"), request.copy())) {
      HttpResponse<String> refused = h.post("/v1/responses", disabled.encode(), "authorization", "Bearer key-acme");
      assertEquals(400, refused.statusCode(), refused.body());
      JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
      assertEquals("context_length_exceeded", error.getString("code"), error.encode());
      assertEquals("invalid_request_error", error.getString("type"));
    }
    for (int i = before; i < h.upstreamRequests().size(); i++) {
      assertEquals(input.size(), h.upstreamRequests().getJsonObject(i).getJsonObject("body").getJsonArray("messages").size(),
          "nothing was cut when truncation is disabled");
    }
  }

  // --- across restarts and gateways

  @Test
  void previousResponseIdGoesOnAfterTheGatewayRestartsOnTheSameEmbeddedStore(@TempDir Path dir) throws Exception {
    String store = "store: { type: embedded, path: \"" + dir.resolve("store") + "\" }\n";
    GatewayHarness before = gateway(store);
    Response first = client(before, "key-acme").responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .input("Remember the word lantern").build());
    before.close();
    harnesses.remove(before);

    GatewayHarness after = gateway(store);
    OpenAIClient client = client(after, "key-acme");
    assertEquals(text(first), text(client.responses().retrieve(first.id())));
    client.responses().create(ResponseCreateParams.builder().model("gpt-4o").previousResponseId(first.id())
        .input("Which word?").build());
    assertEquals(new JsonArray().add(msg("user", "Remember the word lantern")).add(msg("assistant", text(first)))
        .add(msg("user", "Which word?")), upstreamMessages(after));
  }

  @Test
  void aResponseMadeThroughOneGatewayIsContinuedThroughAnotherOnTheSameRedis(@TempDir Path dir) throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(others, port, dir, false);
    GatewayHarness a = gateway(TestRedis.storeConfig(port));
    GatewayHarness b = gateway(TestRedis.storeConfig(port));
    ResponsesThroughGatewayTest.Streamed first = ResponsesThroughGatewayTest.stream(client(a, "key-acme"),
        ResponseCreateParams.builder().model("gpt-4o").input("Remember the word harbor").build());
    OpenAIClient viaB = client(b, "key-acme");
    Response second = viaB.responses().create(ResponseCreateParams.builder().model("gpt-4o")
        .previousResponseId(first.completed().id()).input("Which word?").build());
    assertEquals(new JsonArray().add(msg("user", "Remember the word harbor")).add(msg("assistant", first.deltas()))
        .add(msg("user", "Which word?")), upstreamMessages(b));
    assertEquals(first.deltas(), text(viaB.responses().retrieve(first.completed().id())));
    assertEquals(sessionOf(a, first.completed().id()), sessionOf(b, second.id()), "one session across the two gateways");
    assertNull(client(a, "key-acme").responses().retrieve(second.id()).error().orElse(null));
  }
}
