package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Checkpoint kinds and listings a person can read: healthy turns, risky steps, admin actions, restores. */
class SessionCheckpointKindsTest {
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  @Test
  void aHealthySessionHasPreAttemptAndAutoCheckpointsAndNoError() throws Exception {
    h = GatewayHarness.start();
    turns("healthy", new JsonArray(), 2);
    JsonArray cps = session("healthy").getJsonArray("checkpoints");
    assertEquals(List.of("PRE_ATTEMPT", "AUTO", "PRE_ATTEMPT", "AUTO"), kinds(cps));
    assertEquals("user turn stored before the first upstream attempt", cps.getJsonObject(0).getString("reason"));
    assertEquals("turn 2 complete (every 1 turn(s))", cps.getJsonObject(3).getString("reason"));
  }

  @Test
  void aRetryMakesOneErrorCheckpointOfTheTurnSayingWhichStep() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray();
    turns("risky", history, 1);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 503).put("times", 2));
    turns("risky", history, 1);
    JsonArray cps = session("risky").getJsonArray("checkpoints");
    assertEquals(List.of("PRE_ATTEMPT", "AUTO", "PRE_ATTEMPT", "ERROR", "AUTO"), kinds(cps), cps.encodePrettily());
    JsonObject error = cps.getJsonObject(3);
    assertTrue(error.getString("reason").startsWith("turn 2, before a wait: "), error.getString("reason"));
    assertEquals(3, error.getInteger("messageCount"), "the turn as stored: its question, not yet an answer");
  }

  @Test
  void manualCheckpointsForksAndRestoresAreInTheEventsAndRestoreMarksWhatItSuperseded() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray();
    turns("edited", history, 2);
    assertEquals(201, adminPost("/admin/sessions/edited/checkpoints", "{\"label\":\"before-refactor\"}").statusCode());
    assertEquals(201, adminPost("/admin/sessions/edited/fork", "{\"fromCheckpoint\":2,\"newId\":\"edited-b\"}").statusCode());
    HttpResponse<String> restored = adminPost("/admin/sessions/edited/restore", "{\"checkpoint\":2}");
    assertEquals(200, restored.statusCode(), restored.body());
    // the client goes on from the restored point: turn 2 again
    JsonArray again = new JsonArray(history.getList().subList(0, 2));
    turns("edited", again, 1);

    JsonArray cps = session("edited").getJsonArray("checkpoints");
    // 1 PRE_ATTEMPT, 2 AUTO turn 1, 3 PRE_ATTEMPT, 4 AUTO turn 2, 5 MANUAL, 6 the restore, 7 PRE_ATTEMPT, 8 AUTO turn 2
    assertEquals(8, cps.size(), cps.encodePrettily());
    assertNull(cps.getJsonObject(1).getInteger("supersededBy"), "the restored checkpoint stands");
    assertEquals(6, cps.getJsonObject(2).getInteger("supersededBy"));
    assertEquals(6, cps.getJsonObject(3).getInteger("supersededBy"));
    assertEquals(6, cps.getJsonObject(4).getInteger("supersededBy"));
    assertNull(cps.getJsonObject(7).getInteger("supersededBy"));
    long liveTurn2 = cps.stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("reason").startsWith("turn 2 complete") && c.getInteger("supersededBy") == null).count();
    assertEquals(1, liveTurn2, "one standing 'turn 2 complete': " + cps.encodePrettily());

    List<String> reasons = events("edited").stream().map(JsonObject.class::cast).map(e -> e.getString("type") + ": "
        + e.getString("reason")).toList();
    assertTrue(reasons.contains("checkpoint: MANUAL checkpoint #5 taken through the admin API (before-refactor)"), reasons.toString());
    assertTrue(reasons.contains("fork: forked at checkpoint #2 into session edited-b through the admin API"), reasons.toString());
    assertTrue(reasons.stream().anyMatch(r -> r.startsWith("checkpoint: restored to checkpoint #2 through the admin API")),
        reasons.toString());
    assertTrue(events("edited-b").stream().map(JsonObject.class::cast)
        .anyMatch(e -> e.getString("reason").equals("forked from edited at checkpoint #2 through the admin API")));
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
