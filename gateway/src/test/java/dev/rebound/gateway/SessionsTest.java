package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import com.openai.models.chat.completions.ChatCompletionUserMessageParam;
import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sessions through the gateway: continuation, resume by id, divergence, tenants; checked in the store and upstream. */
class SessionsTest {
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  OpenAIClient openAi(String sessionId) {
    return OpenAIOkHttpClient.builder().baseUrl(h.base() + "/v1").apiKey("k").maxRetries(0)
        .putHeader("x-session-id", sessionId).build();
  }

  static ChatCompletionMessageParam user(String text) {
    return ChatCompletionMessageParam.ofUser(ChatCompletionUserMessageParam.builder().content(text).build());
  }

  static ChatCompletionMessageParam assistant(String text) {
    return ChatCompletionMessageParam.ofAssistant(ChatCompletionAssistantMessageParam.builder().content(text).build());
  }

  JsonObject admin(String path) throws Exception {
    HttpResponse<String> r = h.get(path);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  @Test
  void threeTurnsThenAResumeWithOnlyTheNewMessageSendsTheWholeHistoryUpstream() throws Exception {
    h = GatewayHarness.start();
    OpenAIClient client = openAi("trip-planning");
    List<ChatCompletionMessageParam> history = new ArrayList<>();
    for (int turn = 1; turn <= 3; turn++) {
      history.add(user("question " + turn));
      HttpResponseFor<ChatCompletion> r = client.chat().completions().withRawResponse()
          .create(ChatCompletionCreateParams.builder().model("gpt-4o").messages(history).build());
      assertEquals(List.of("trip-planning; turn=" + turn), r.headers().values("x-rebound-session"));
      history.add(assistant(r.parse().choices().get(0).message().content().orElseThrow()));
    }
    OpenAIClient resuming = OpenAIOkHttpClient.builder().baseUrl(h.base() + "/v1").apiKey("k").maxRetries(0)
        .putHeader("x-session-id", "trip-planning").putHeader("x-rebound-resume", "true").build();
    HttpResponseFor<ChatCompletion> resumed = resuming.chat().completions().withRawResponse()
        .create(ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("question 4").build());
    assertEquals(List.of("trip-planning; turn=4"), resumed.headers().values("x-rebound-session"));

    JsonArray sent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    assertEquals(7, sent.size(), sent.encodePrettily());
    assertEquals("question 1", sent.getJsonObject(0).getString("content"));
    assertEquals("assistant", sent.getJsonObject(5).getString("role"));
    assertEquals("question 4", sent.getJsonObject(6).getString("content"));

    JsonObject session = admin("/admin/sessions/trip-planning");
    assertEquals(4, session.getJsonObject("meta").getInteger("turns"));
    assertEquals(8, session.getJsonObject("meta").getInteger("messageCount"));
    assertEquals("assistant", session.getJsonObject("meta").getString("agent"));
    assertEquals(List.of("AUTO", "AUTO", "AUTO", "PRE_ATTEMPT", "AUTO"), session.getJsonArray("checkpoints").stream()
        .map(c -> ((JsonObject) c).getString("kind")).toList(),
        "an AUTO checkpoint per turn, the question stored with its answer; a resumed question before the first attempt");
  }

  @Test
  void anAnthropicClientBindsItsSessionThroughTheBaseUrlAloneAndResumesById() throws Exception {
    h = GatewayHarness.start();
    AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(h.base() + "/s/claude-code-42").apiKey("k")
        .maxRetries(0).build();
    List<String[]> history = new ArrayList<>();
    for (int turn = 1; turn <= 3; turn++) {
      MessageCreateParams.Builder params = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(200);
      for (String[] past : history) params.addUserMessage(past[0]).addAssistantMessage(past[1]);
      Message m = client.messages().create(params.addUserMessage("step " + turn).build());
      history.add(new String[] {"step " + turn, m.content().get(0).text().orElseThrow().text()});
    }
    // a fresh client process knows only the session id: it resumes with the new message alone
    AnthropicClient resuming = AnthropicOkHttpClient.builder().baseUrl(h.base() + "/s/claude-code-42").apiKey("k")
        .maxRetries(0).putHeader("x-rebound-resume", "true").build();
    resuming.messages().create(MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(200).addUserMessage("step 4").build());
    JsonArray sent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    assertEquals(7, sent.size(), sent.encodePrettily());
    assertEquals("step 4", sent.getJsonObject(6).getString("content"));
    JsonObject session = admin("/admin/sessions/claude-code-42");
    assertEquals(4, session.getJsonObject("meta").getInteger("turns"));
    assertEquals("anthropic", session.getJsonObject("meta").getString("protocol"));
    JsonArray messages = session.getJsonArray("messages");
    assertEquals(8, messages.size());
    assertEquals("text", messages.getJsonObject(1).getJsonObject("message").getJsonArray("content").getJsonObject(0).getString("type"));
  }

  @Test
  void aStreamedAnswerIsStoredWholeBeforeTheClientSeesItsEnd() throws Exception {
    h = GatewayHarness.start();
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"stream me\"}]}",
        "x-session-id", "streamed-1");
    assertTrue(r.body().contains("[DONE]"));
    JsonObject stored = admin("/admin/sessions/streamed-1").getJsonArray("messages").getJsonObject(1).getJsonObject("message");
    StringBuilder streamed = new StringBuilder();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: {")) {
        var delta = new JsonObject(line.substring(6)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
        if (delta.getString("content") != null) streamed.append(delta.getString("content"));
      }
    }
    assertEquals(streamed.toString(), stored.getString("content"));
  }

  @Test
  void aClientThatRewritesItsHistoryForksTheSession() throws Exception {
    h = GatewayHarness.start();
    String first = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"draft A\"}]}";
    assertEquals(200, h.post("/v1/chat/completions", first, "x-session-id", "edited").statusCode());
    String rewritten = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"draft B, edited\"}]}";
    assertEquals(200, h.post("/v1/chat/completions", rewritten, "x-session-id", "edited").statusCode());
    assertEquals(1, h.events("fork").size(), h.events("fork").toString());
    String forkId = (String) h.events("fork").get(0).fields().get("fork");
    JsonObject fork = admin("/admin/sessions/" + forkId);
    assertEquals("draft A", fork.getJsonArray("messages").getJsonObject(0).getJsonObject("message").getString("content"));
    JsonObject current = admin("/admin/sessions/edited");
    assertEquals("draft B, edited", current.getJsonArray("messages").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals(2, current.getJsonArray("messages").size());
    assertTrue(admin("/admin/sessions").getJsonArray("sessions").stream()
        .anyMatch(s -> ((JsonObject) s).getString("id").equals(forkId)), "the fork is listed");
  }

  @Test
  void sessionsLiveInTheirTenantsNamespace() throws Exception {
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + "tenants:\n  - { name: acme, keys: [key-acme] }\n  - { name: globex, keys: [key-globex] }\n");
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}";
    assertEquals(200, h.post("/v1/chat/completions", body.formatted("acme secret plan"), "x-session-id", "shared-id",
        "authorization", "Bearer key-acme").statusCode());
    assertEquals(200, h.post("/v1/chat/completions", body.formatted("globex question"), "x-session-id", "shared-id",
        "authorization", "Bearer key-globex", "x-rebound-resume", "true").statusCode());
    JsonArray sent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    assertEquals(1, sent.size(), "globex's resume must not see acme's history: " + sent.encode());
    assertEquals(404, h.get("/admin/sessions/shared-id?tenant=initech").statusCode());
    JsonObject acme = admin("/admin/sessions/shared-id?tenant=acme");
    assertEquals("acme secret plan", acme.getJsonArray("messages").getJsonObject(0).getJsonObject("message").getString("content"));
    JsonObject globex = admin("/admin/sessions/shared-id?tenant=globex");
    assertEquals(2, globex.getJsonArray("messages").size());
    assertEquals(401, h.post("/v1/chat/completions", body.formatted("x"), "x-session-id", "shared-id").statusCode());
  }

  @Test
  void aWorkflowCheckpointCarriesTheClientsLabel() throws Exception {
    h = GatewayHarness.start();
    h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"plan\"}]}",
        "x-session-id", "wf-1", "x-rebound-checkpoint", "after-planning");
    JsonObject cp = admin("/admin/sessions/wf-1").getJsonArray("checkpoints").getJsonObject(0);
    assertEquals("WORKFLOW", cp.getString("kind"));
    assertEquals("after-planning", cp.getString("label"));
  }

  @Test
  void readinessReportsTheStore() throws Exception {
    h = GatewayHarness.start();
    JsonObject ready = new JsonObject(h.get("/ready").body());
    assertEquals("ready", ready.getString("status"));
    assertEquals("embedded", ready.getJsonObject("store").getString("type"));
  }

  HttpResponse<String> adminPost(String path, String body) throws Exception {
    return h.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.base() + path))
        .header("content-type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  void turns(String session, int n) throws Exception {
    JsonArray history = new JsonArray();
    for (int i = 1; i <= n; i++) {
      history.add(new JsonObject().put("role", "user").put("content", "message " + i));
      HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("messages", history).encode(),
          "x-session-id", session);
      assertEquals(200, r.statusCode(), r.body());
      history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
    }
  }

  @Test
  void theAdminApiForksRestoresCheckpointsAndDeletesSessions() throws Exception {
    h = GatewayHarness.start();
    turns("admin-ops", 3);
    JsonObject before = admin("/admin/sessions/admin-ops");
    assertEquals(6, before.getJsonObject("meta").getInteger("messageCount"));
    // checkpoint 1 is the AUTO one after turn 1 (stored with its question): the context then was the first user and
    // assistant messages
    JsonObject cp1 = admin("/admin/sessions/admin-ops/checkpoints/1");
    assertEquals("AUTO", cp1.getString("kind"));
    assertEquals(2, cp1.getJsonArray("context").size());
    assertEquals("message 1", cp1.getJsonArray("context").getJsonObject(0).getString("content"));

    HttpResponse<String> manual = adminPost("/admin/sessions/admin-ops/checkpoints", "{\"label\":\"before-refactor\"}");
    assertEquals(201, manual.statusCode(), manual.body());

    HttpResponse<String> fork = adminPost("/admin/sessions/admin-ops/fork", "{\"fromCheckpoint\":1,\"newId\":\"admin-ops-b\"}");
    assertEquals(201, fork.statusCode(), fork.body());
    assertEquals(2, admin("/admin/sessions/admin-ops-b").getJsonObject("meta").getInteger("messageCount"));

    HttpResponse<String> restore = adminPost("/admin/sessions/admin-ops/restore", "{\"checkpoint\":1}");
    assertEquals(200, restore.statusCode(), restore.body());
    assertEquals(2, admin("/admin/sessions/admin-ops").getJsonObject("meta").getInteger("messageCount"));

    // after a restore the client continues from the restored point, with the stored history resumed
    HttpResponse<String> resumed = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"after restore\"}]}",
        "x-session-id", "admin-ops", "x-rebound-resume", "true");
    assertEquals(200, resumed.statusCode());
    assertEquals(3, h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages").size());

    JsonArray events = admin("/admin/sessions/admin-ops/events").getJsonArray("events");
    assertTrue(events.stream().anyMatch(e -> ((JsonObject) e).getString("type").equals("route")), events.encodePrettily());
    assertTrue(events.stream().anyMatch(e -> ((JsonObject) e).getString("type").equals("checkpoint")));

    var del = h.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.base() + "/admin/sessions/admin-ops")).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, del.statusCode());
    assertEquals(404, h.get("/admin/sessions/admin-ops").statusCode());
    assertEquals(409, adminPost("/admin/sessions/admin-ops-b/fork", "{\"fromCheckpoint\":1,\"newId\":\"admin-ops-b\"}").statusCode(),
        "forking onto an existing id is a conflict");
  }

  @Test
  void eventsCanBeFollowedLive() throws Exception {
    h = GatewayHarness.start();
    turns("followed", 1);
    java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
    var client = h.vertx.createHttpClient();
    // the handler is set as the headers arrive (a listener on request.response() made before sending), so the replayed
    // history that comes with them is not missed
    client.request(io.vertx.core.http.HttpMethod.GET, h.port, "127.0.0.1", "/admin/sessions/followed/events?follow=true")
        .onSuccess(req -> {
          req.response().onSuccess(resp -> {
            StringBuilder text = new StringBuilder();
            resp.handler(chunk -> {
              text.append(chunk.toString());
              // the turn is stored (checkpoint) once answered
              int answered = text.indexOf("event: answered");
              if (answered >= 0 && text.indexOf("event: checkpoint", answered) >= 0) seen.complete(text.toString());
            });
          });
          req.end();
        });
    String stream = seen.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(stream.contains("event: route") && stream.contains("event: checkpoint"), stream);
    client.close();
  }

  static final String OPENAI_TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
      + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

  /** The assistant message a client rebuilds from an OpenAI stream: content and tool calls by index. */
  static JsonObject openAiMessageFromStream(String sse) {
    StringBuilder text = new StringBuilder();
    java.util.Map<Integer, JsonObject> calls = new java.util.TreeMap<>();
    for (String line : sse.split("\n")) {
      if (!line.startsWith("data: {")) continue;
      JsonObject delta = new JsonObject(line.substring(6)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      if (delta.getString("content") != null) text.append(delta.getString("content"));
      for (Object o : delta.getJsonArray("tool_calls", new JsonArray())) {
        JsonObject tc = (JsonObject) o;
        JsonObject c = calls.computeIfAbsent(tc.getInteger("index"), i -> new JsonObject().put("type", "function")
            .put("function", new JsonObject().put("arguments", "")));
        if (tc.getString("id") != null) c.put("id", tc.getString("id"));
        JsonObject f = tc.getJsonObject("function", new JsonObject());
        if (f.getString("name") != null) c.getJsonObject("function").put("name", f.getString("name"));
        if (f.getString("arguments") != null) {
          c.getJsonObject("function").put("arguments", c.getJsonObject("function").getString("arguments") + f.getString("arguments"));
        }
      }
    }
    JsonObject m = new JsonObject().put("role", "assistant").put("content", text.length() == 0 ? null : text.toString());
    if (!calls.isEmpty()) m.put("tool_calls", new JsonArray(new ArrayList<>(calls.values())));
    return m;
  }

  @Test
  void aStreamedToolCallTurnIsStoredSoTheNextTurnContinuesInsteadOfForking() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray().add(new JsonObject().put("role", "user").put("content", "weather in Paris?"));
    HttpResponse<String> first = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("stream", true)
        .put("tools", new JsonArray(OPENAI_TOOLS)).put("messages", history).encode(), "x-session-id", "tools-1");
    JsonObject assistant = openAiMessageFromStream(first.body());
    assertTrue(assistant.containsKey("tool_calls"), first.body());
    history.add(assistant);
    history.add(new JsonObject().put("role", "tool").put("tool_call_id",
        assistant.getJsonArray("tool_calls").getJsonObject(0).getString("id")).put("content", "sunny, 21 C"));
    HttpResponse<String> second = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("stream", true)
        .put("tools", new JsonArray(OPENAI_TOOLS)).put("messages", history).encode(), "x-session-id", "tools-1");
    assertEquals(200, second.statusCode());
    assertTrue(h.events("fork").isEmpty(), "the tool turn must be recognised: " + h.events("fork"));
    JsonObject session = admin("/admin/sessions/tools-1");
    assertEquals(4, session.getJsonArray("messages").size());
    JsonObject stored = session.getJsonArray("messages").getJsonObject(1).getJsonObject("message");
    assertEquals("get_weather", stored.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").getString("name"));
  }

  @Test
  void anAnthropicStreamedToolUseTurnIsStoredWithItsInput() throws Exception {
    h = GatewayHarness.start();
    String tools = "[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";
    JsonArray history = new JsonArray().add(new JsonObject().put("role", "user").put("content", "weather in Paris?"));
    HttpResponse<String> first = h.post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 200)
        .put("stream", true).put("tools", new JsonArray(tools)).put("messages", history).encode(), "x-session-id", "tools-2");
    // the client's own rebuild: the tool_use block with the input streamed as partial JSON
    JsonObject block = null;
    StringBuilder input = new StringBuilder();
    for (String line : first.body().split("\n")) {
      if (!line.startsWith("data: {")) continue;
      JsonObject d = new JsonObject(line.substring(6));
      if ("content_block_start".equals(d.getString("type"))) block = d.getJsonObject("content_block").copy();
      if ("content_block_delta".equals(d.getString("type"))) input.append(d.getJsonObject("delta").getString("partial_json", ""));
    }
    block.put("input", new JsonObject(input.toString()));
    history.add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(block)));
    history.add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
        .put("type", "tool_result").put("tool_use_id", block.getString("id")).put("content", "sunny"))));
    HttpResponse<String> second = h.post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 200)
        .put("stream", true).put("tools", new JsonArray(tools)).put("messages", history).encode(), "x-session-id", "tools-2");
    assertEquals(200, second.statusCode());
    assertTrue(h.events("fork").isEmpty(), "the tool turn must be recognised: " + h.events("fork"));
    JsonObject stored = admin("/admin/sessions/tools-2").getJsonArray("messages").getJsonObject(1).getJsonObject("message");
    assertEquals(block.getJsonObject("input"), stored.getJsonArray("content").getJsonObject(0).getJsonObject("input"));
  }

  @Test
  void neitherUpstreamKeysNorClientCredentialsReachTheStore() throws Exception {
    h = GatewayHarness.start();
    h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
        "x-session-id", "secrets-1", "authorization", "Bearer client-secret-credential-777", "x-api-key", "client-other-secret-888");
    assertEquals(2, admin("/admin/sessions/secrets-1").getJsonArray("messages").size());
    java.nio.file.Path dir = java.nio.file.Path.of(h.config.store().path());
    h.close();
    h = null;
    StringBuilder all = new StringBuilder();
    try (var files = java.nio.file.Files.walk(dir)) {
      for (var f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        all.append(new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    assertTrue(all.indexOf("hello") >= 0, "the store files were read");
    for (String secret : List.of("upstream-openai-key-1234", "client-secret-credential-777", "client-other-secret-888")) {
      assertTrue(all.indexOf(secret) < 0, secret + " was written to the store");
    }
  }
}
