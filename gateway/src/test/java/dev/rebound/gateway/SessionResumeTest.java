package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.store.Append;
import dev.rebound.store.NewMessage;
import dev.rebound.store.SessionKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** X-Rebound-Resume as a person expects it: one system prompt, and an interrupted turn never left dangling. */
class SessionResumeTest {
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  @Test
  void aClientThatSendsItsSystemPromptWithEachResumeHasItSentOnceAndStoredOnce() throws Exception {
    h = GatewayHarness.start();
    resume("sys", system("be brief"), user("one"));
    resume("sys", system("be brief"), user("two"));
    resume("sys", system("be brief"), user("three"));
    assertEquals(List.of("system:be brief", "user:one", "assistant", "user:two", "assistant", "user:three"), sent());

    // a new prompt replaces the stored one for the request, and is stored since it differs
    resume("sys", system("be thorough"), user("four"));
    assertEquals(List.of("system:be thorough", "user:one", "assistant", "user:two", "assistant", "user:three", "assistant",
        "user:four"), sent());
    List<String> stored = roles(session("sys").getJsonArray("messages"));
    assertEquals(List.of("system:be brief", "user:one", "assistant", "user:two", "assistant", "user:three", "assistant",
        "system:be thorough", "user:four", "assistant"), stored);
    assertEquals(4, session("sys").getJsonObject("meta").getInteger("turns"));
  }

  @Test
  void anInterruptedTurnGoesOnFromItsStoredPartialAnswer() throws Exception {
    h = GatewayHarness.start();
    SessionKey key = new SessionKey("default", "cut-short");
    h.gateway.store().append(key, Append.of(0, msg("user", "one"), msg("assistant", "answer one"), msg("user", "two"),
        NewMessage.partial("assistant", "{\"role\":\"assistant\",\"content\":\"the start of answer t\"}"))).await();
    resume("cut-short", user("three"));

    assertEquals(List.of("user:one", "assistant", "user:two", "assistant", "user:three"), sent());
    JsonArray upstream = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    assertEquals("the start of answer t", upstream.getJsonObject(3).getString("content"));
    JsonArray stored = session("cut-short").getJsonArray("messages");
    assertEquals(6, stored.size(), stored.encodePrettily());
    assertFalse(stored.getJsonObject(3).getBoolean("partial"), "the partial answer is the turn's answer now");
    assertEquals("the start of answer t", stored.getJsonObject(3).getJsonObject("message").getString("content"));
    assertTrue(h.events("resume").get(0).reason().contains("goes on from its stored partial answer"),
        h.events("resume").toString());
  }

  @Test
  void anInterruptedTurnWithoutAnAnswerIsAskedAgainWithTheNewMessage() throws Exception {
    h = GatewayHarness.start();
    SessionKey key = new SessionKey("default", "unanswered");
    h.gateway.store().append(key, Append.of(0, msg("user", "one"), msg("assistant", "answer one"), msg("user", "two")))
        .await();
    resume("unanswered", user("three"));
    assertEquals(List.of("user:one", "assistant", "user:two", "user:three"), sent());
    assertTrue(h.events("resume").get(0).reason().contains("its question is asked again"), h.events("resume").toString());
    assertEquals(List.of("user:one", "assistant", "user:two", "user:three", "assistant"),
        roles(session("unanswered").getJsonArray("messages")));
  }

  static NewMessage msg(String role, String text) {
    return NewMessage.of(role, new JsonObject().put("role", role).put("content", text).encode());
  }

  static JsonObject system(String text) {
    return new JsonObject().put("role", "system").put("content", text);
  }

  static JsonObject user(String text) {
    return new JsonObject().put("role", "user").put("content", text);
  }

  void resume(String session, JsonObject... messages) throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o")
        .put("messages", new JsonArray(List.of((Object[]) messages))).encode(), "x-session-id", session,
        "x-rebound-resume", "true");
    assertEquals(200, r.statusCode(), r.body());
  }

  /** The messages the upstream got last: role, and the text of all but answers. */
  List<String> sent() {
    return roles(h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages"));
  }

  static List<String> roles(JsonArray messages) {
    return messages.stream().map(JsonObject.class::cast)
        .map(m -> m.containsKey("message") ? m.getJsonObject("message") : m)
        .map(m -> m.getString("role").equals("assistant") ? "assistant" : m.getString("role") + ":" + m.getString("content"))
        .toList();
  }

  JsonObject session(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }
}
