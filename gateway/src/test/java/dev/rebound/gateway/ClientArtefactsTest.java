package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What real clients leave in the history they resend: none of it forks the session. */
class ClientArtefactsTest {
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  @Test
  void anEmptyAssistantMessageLeftByAnAbortedAttemptIsPassedOverAndNotStored() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray().add(user("first"));
    history.add(openAi("aborted", history));
    history.add(user("second"));
    // the attempt for "second" was aborted: the client kept an empty answer for it and asks again
    history.add(new JsonObject().put("role", "assistant").put("content", ""));
    history.add(user("second, again"));
    history.add(openAi("aborted", history));
    history.add(user("third"));
    history.add(openAi("aborted", history));

    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonArray stored = session("aborted").getJsonArray("messages");
    assertEquals(List.of("user", "assistant", "user", "user", "assistant", "user", "assistant"),
        stored.stream().map(JsonObject.class::cast).map(m -> m.getString("role")).toList(), "the empty answer is no turn");
    assertEquals(List.of("first", "second", "second, again", "third"), stored.stream().map(JsonObject.class::cast)
        .filter(m -> m.getString("role").equals("user")).map(m -> m.getJsonObject("message").getString("content")).toList());
    assertTrue(stored.stream().map(JsonObject.class::cast).noneMatch(m -> "".equals(m.getJsonObject("message")
        .getValue("content"))));
    assertEquals(3, meta("aborted").getInteger("turns"));
  }

  @Test
  void anAnswerTheClientKeptOnlyInPartIsTheStoredAnswer() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray().add(user("tell me a story"));
    JsonObject answer = openAi("cut", history);
    String text = answer.getString("content");
    assertTrue(text.length() > 8, text);
    // the client was shown only the beginning (its stream was cut) and goes on with that
    history.add(new JsonObject().put("role", "assistant").put("content", text.substring(0, text.length() / 2)));
    history.add(user("go on"));
    openAi("cut", history);

    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonArray messages = session("cut").getJsonArray("messages");
    assertEquals(4, messages.size(), messages.encodePrettily());
    assertEquals(text, messages.getJsonObject(1).getJsonObject("message").getString("content"), "the stored answer stands");
  }

  @Test
  void cacheControlAndThinkingSignaturesThatDifferBetweenResendsDoNotFork() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "read the file"))));
    JsonObject first = anthropic("claude-like", history);
    String answered = first.getJsonArray("content").getJsonObject(0).getString("text");

    // the resend: the first question now carries cache_control, the answer a thinking block with its signature
    JsonArray resend = new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject().put("type", "text")
            .put("text", "read the file").put("cache_control", new JsonObject().put("type", "ephemeral")))))
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
            .add(new JsonObject().put("type", "thinking").put("thinking", "let me see").put("signature", "sig-A"))
            .add(new JsonObject().put("type", "text").put("text", answered))))
        .add(new JsonObject().put("role", "user").put("content", "and now?"));
    String second = anthropic("claude-like", resend).getJsonArray("content").getJsonObject(0).getString("text");
    // and again, re-signed, with the cache marker moved to the latest turn
    resend.getJsonObject(1).getJsonArray("content").getJsonObject(0).put("signature", "sig-B");
    resend.getJsonObject(0).getJsonArray("content").getJsonObject(0).remove("cache_control");
    resend.add(new JsonObject().put("role", "assistant").put("content", second));
    resend.add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
        .put("type", "text").put("text", "last").put("cache_control", new JsonObject().put("type", "ephemeral")))));
    HttpResponse<String> third = h.post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5")
        .put("max_tokens", 100).put("messages", resend).encode(), "x-session-id", "claude-like",
        "anthropic-version", "2023-06-01");
    assertEquals(200, third.statusCode(), third.body());

    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    assertEquals(6, session("claude-like").getJsonArray("messages").size());
  }

  static JsonObject user(String text) {
    return new JsonObject().put("role", "user").put("content", text);
  }

  JsonObject openAi(String session, JsonArray history) throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions",
        new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", session);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message");
  }

  JsonObject anthropic(String session, JsonArray history) throws Exception {
    HttpResponse<String> r = h.post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5")
        .put("max_tokens", 100).put("messages", history).encode(), "x-session-id", session,
        "anthropic-version", "2023-06-01");
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  JsonObject session(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  JsonObject meta(String id) throws Exception {
    return session(id).getJsonObject("meta");
  }

}
