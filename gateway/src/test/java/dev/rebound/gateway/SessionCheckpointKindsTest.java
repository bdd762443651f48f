package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint kinds and listings a person can read: healthy turns, risky steps, admin actions, restores. */
class SessionCheckpointKindsTest {
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  @Test
  void aHealthyTurnIsStoredInOneWriteWithItsAnswerAndAnAutoCheckpointAndNoError() throws Exception {
    h = GatewayHarness.start();
    turns("healthy", new JsonArray(), 2);
    JsonArray cps = session("healthy").getJsonArray("checkpoints");
    assertEquals(List.of("AUTO", "AUTO"), kinds(cps), cps.encodePrettily());
    assertEquals(2, cps.getJsonObject(0).getInteger("messageCount"));
    assertEquals("turn 2 complete (every 1 turn(s))", cps.getJsonObject(1).getString("reason"));
    assertTrue(reasons("healthy").contains(
        "checkpoint: assistant turn 2 stored with its user turn (1 new message(s)) in one write, with an AUTO checkpoint"),
        reasons("healthy").toString());
  }

  @Test
  void withNoUserTurnWaitEveryUserTurnIsStoredBeforeTheFirstUpstreamAttempt(@TempDir Path dir) throws Exception {
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + "\nstore: { type: embedded, path: \"" + dir
        + "\", userTurnWait: 0s }\n");
    turns("eager", new JsonArray(), 2);
    JsonArray cps = session("eager").getJsonArray("checkpoints");
    assertEquals(List.of("PRE_ATTEMPT", "AUTO", "PRE_ATTEMPT", "AUTO"), kinds(cps));
    assertEquals("user turn stored before the first upstream attempt", cps.getJsonObject(0).getString("reason"));
    assertEquals("turn 2 complete (every 1 turn(s))", cps.getJsonObject(3).getString("reason"));
  }

  @Test
  void aUserTurnWhoseAnswerIsSlowIsStoredOnItsOwnWhileTheAnswerIsAwaited(@TempDir Path dir) throws Exception {
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + "\nstore: { type: embedded, path: \"" + dir
        + "\", userTurnWait: 100ms }\n");
    JsonArray history = new JsonArray();
    turns("slow", history, 1);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("delayMs", 4000).put("times", 1));
    history.add(new JsonObject().put("role", "user").put("content", "message 2"));
    var answer = h.http.sendAsync(HttpRequest.newBuilder(URI.create(h.base() + "/v1/chat/completions"))
        .header("content-type", "application/json").header("x-session-id", "slow")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "gpt-4o").put("messages", history).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    // while the answer is awaited, the session holds the question
    Eventually.await(h.vertx, 3000, "the question stored before its answer",
        () -> messages("slow") == 3);
    assertFalse(answer.isDone(), "the answer was still to come");
    JsonObject waiting = session("slow");
    assertEquals("user", waiting.getJsonArray("messages").getJsonObject(2).getString("role"));
    assertEquals(List.of("AUTO", "PRE_ATTEMPT"), kinds(waiting.getJsonArray("checkpoints")));
    assertEquals("user turn stored before its answer",
        waiting.getJsonArray("checkpoints").getJsonObject(1).getString("reason"));

    assertEquals(200, answer.get().statusCode(), answer.get().body());
    JsonObject after = session("slow");
    assertEquals(4, after.getJsonArray("messages").size(), after.encodePrettily());
    assertEquals(List.of("AUTO", "PRE_ATTEMPT", "AUTO"), kinds(after.getJsonArray("checkpoints")));
    assertEquals(2, after.getJsonObject("meta").getInteger("turns"));
    assertTrue(reasons("slow").contains("checkpoint: user turn stored (1 new message(s)) before its answer"),
        reasons("slow").toString());
  }

  @Test
  void aRequestThatGetsNoAnswerStillStoresItsQuestion() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray();
    turns("refused", history, 1);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 400).put("times", 1));
    history.add(new JsonObject().put("role", "user").put("content", "message 2"));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", "refused");
    assertEquals(400, r.statusCode(), r.body());
    JsonObject s = session("refused");
    assertEquals(3, s.getJsonArray("messages").size(), s.encodePrettily());
    assertEquals("message 2", s.getJsonArray("messages").getJsonObject(2).getJsonObject("message").getString("content"));
    assertEquals(List.of("AUTO", "PRE_ATTEMPT"), kinds(s.getJsonArray("checkpoints")));
    assertEquals(1, s.getJsonObject("meta").getInteger("turns"));
  }

  @Test
  void aRetryMakesOneErrorCheckpointOfTheTurnSayingWhichStep() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray();
    turns("risky", history, 1);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 503).put("times", 2));
    turns("risky", history, 1);
    JsonArray cps = session("risky").getJsonArray("checkpoints");
    // the risky step stores the question first, then marks it
    assertEquals(List.of("AUTO", "PRE_ATTEMPT", "ERROR", "AUTO"), kinds(cps), cps.encodePrettily());
    JsonObject error = cps.getJsonObject(2);
    assertTrue(error.getString("reason").startsWith("turn 2, before a wait: "), error.getString("reason"));
    assertEquals(3, error.getInteger("messageCount"), "the turn as stored: its question, not yet an answer");
  }

  @Test
  void manualCheckpointsForksAndRestoresAreInTheEventsAndRestoreMarksWhatItSuperseded() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray();
    turns("edited", history, 2);
    assertEquals(201, adminPost("/admin/sessions/edited/checkpoints", "{\"label\":\"before-refactor\"}").statusCode());
    assertEquals(201, adminPost("/admin/sessions/edited/fork", "{\"fromCheckpoint\":1,\"newId\":\"edited-b\"}").statusCode());
    HttpResponse<String> restored = adminPost("/admin/sessions/edited/restore", "{\"checkpoint\":1}");
    assertEquals(200, restored.statusCode(), restored.body());
    // the client goes on from the restored point: turn 2 again
    JsonArray again = new JsonArray(history.getList().subList(0, 2));
    turns("edited", again, 1);

    JsonArray cps = session("edited").getJsonArray("checkpoints");
    // 1 AUTO turn 1, 2 AUTO turn 2, 3 MANUAL, 4 the restore, 5 AUTO turn 2 (each turn stored in one write)
    assertEquals(5, cps.size(), cps.encodePrettily());
    assertNull(cps.getJsonObject(0).getInteger("supersededBy"), "the restored checkpoint stands");
    assertEquals(4, cps.getJsonObject(1).getInteger("supersededBy"));
    assertEquals(4, cps.getJsonObject(2).getInteger("supersededBy"));
    assertNull(cps.getJsonObject(4).getInteger("supersededBy"));
    long liveTurn2 = cps.stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("reason").startsWith("turn 2 complete") && c.getInteger("supersededBy") == null).count();
    assertEquals(1, liveTurn2, "one standing 'turn 2 complete': " + cps.encodePrettily());

    List<String> reasons = reasons("edited");
    assertTrue(reasons.contains("checkpoint: MANUAL checkpoint #3 taken through the admin API (before-refactor)"), reasons.toString());
    assertTrue(reasons.contains("fork: forked at checkpoint #1 into session edited-b through the admin API"), reasons.toString());
    assertTrue(reasons.stream().anyMatch(r -> r.startsWith("checkpoint: restored to checkpoint #1 through the admin API")),
        reasons.toString());
    assertTrue(events("edited-b").stream().map(JsonObject.class::cast)
        .anyMatch(e -> e.getString("reason").equals("forked from edited at checkpoint #1 through the admin API")));
    assertFalse(reasons.stream().anyMatch(r -> r.startsWith("checkpoint: ERROR")), reasons.toString());
  }

  void turns(String session, JsonArray history, int n) throws Exception {
    for (int i = 1; i <= n; i++) {
      history.add(new JsonObject().put("role", "user").put("content", "message " + (history.size() / 2 + 1)));
      HttpResponse<String> r = h.post("/v1/chat/completions",
          new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", session);
      assertEquals(200, r.statusCode(), r.body());
      history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
    }
  }

  static List<String> kinds(JsonArray cps) {
    return cps.stream().map(JsonObject.class::cast).map(c -> c.getString("kind")).toList();
  }

  JsonObject session(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  int messages(String id) {
    try {
      return session(id).getJsonArray("messages").size();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  List<String> reasons(String id) throws Exception {
    return events(id).stream().map(JsonObject.class::cast).map(e -> e.getString("type") + ": " + e.getString("reason"))
        .toList();
  }

  JsonArray events(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id + "/events");
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("events");
  }

  HttpResponse<String> adminPost(String path, String body) throws Exception {
    return h.http.send(HttpRequest.newBuilder(URI.create(h.base() + path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
