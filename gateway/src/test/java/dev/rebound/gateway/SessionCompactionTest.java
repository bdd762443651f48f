package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that replaces its long history with a summary of it made a compaction: a checkpoint, not a fork. */
class SessionCompactionTest {
  static final String SYSTEM = "You are Claude Code.";
  final Vertx poller = Vertx.vertx();
  Process redis;
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
    if (redis != null) redis.destroyForcibly();
    poller.close().await();
  }

  @Test
  void aHistoryReplacedByItsSummaryIsACompactedCheckpointKeepingTheWholeHistoryBefore() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray();
    for (String q : List.of("read main.c", "fix the leak", "Your task is to create a detailed summary of the conversation so far")) {
      history.add(user(q));
      history.add(ask("cc-1", history));
    }
    String summary = history.getJsonObject(5).getJsonArray("content").getJsonObject(0).getString("text");
    long tokensBefore = session("cc-1").getJsonObject("meta").getLong("tokens");

    // Claude Code goes on from the summary alone
    JsonArray compacted = new JsonArray().add(user("This session is being continued from a previous conversation that ran"
        + " out of context. The conversation is summarized below:\n" + summary + "\n\nnow run the tests"));
    compacted.add(ask("cc-1", compacted));
    compacted.add(user("and commit"));
    compacted.add(ask("cc-1", compacted));

    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonObject s = session("cc-1");
    assertEquals(4, s.getJsonArray("messages").size(), "the session goes on from the compacted history");
    assertEquals(5, s.getJsonObject("meta").getInteger("turns"), "the turns answered before the compaction still count");
    assertTrue(s.getJsonObject("meta").getLong("tokens") > tokensBefore, "the tokens spent before still count");
    JsonArray cps = s.getJsonArray("checkpoints");
    int seq = compactedSeqs(s).get(0);
    JsonObject before = admin("/admin/sessions/cc-1/checkpoints/" + seq);
    JsonArray context = before.getJsonArray("context");
    assertEquals(6, context.size(), "the whole history before the compaction stays readable");
    assertEquals("read main.c", context.getJsonObject(0).getString("content"));
    assertEquals(seq, cps.getJsonObject(0).getInteger("supersededBy"), "its messages were replaced: " + cps.encodePrettily());
    assertTrue(h.events("checkpoint").stream().anyMatch(e -> e.reason().startsWith("COMPACTED checkpoint: the client"
        + " compacted 6 message(s) into 1")), h.events("checkpoint").toString());
  }

  @Test
  void compactionKeepsCheckpointsEventsAndTurnNumbersInTheEmbeddedStore() throws Exception {
    h = GatewayHarness.start();
    compactionKeepsCheckpointsEventsAndTurnNumbers();
  }

  @Test
  void compactionKeepsCheckpointsEventsAndTurnNumbersInRedis(@TempDir Path dir) throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(poller, port, dir, false);
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
        Clock.systemUTC());
    compactionKeepsCheckpointsEventsAndTurnNumbers();
  }

  /**
   * Five answered turns (one with a client's checkpoint, one voted on), a compaction, two more turns, a second
   * compaction and one more turn: every checkpoint and event stays, each compacted history stays readable, and the
   * turns are numbered 1 to 8 with one "turn N complete" each.
   */
  private void compactionKeepsCheckpointsEventsAndTurnNumbers() throws Exception {
    JsonArray history = new JsonArray();
    List<String> questions = List.of("read main.c", "fix the leak", "add a test", "run it",
        "Your task is to create a detailed summary of the conversation so far");
    for (int i = 0; i < questions.size(); i++) {
      history.add(user(questions.get(i)));
      history.add(i == 1 ? ask("cc-3", history, "x-rebound-checkpoint", "leak fixed") : ask("cc-3", history));
    }
    HttpResponse<String> vote = h.post("/admin/feedback", new JsonObject().put("session", "cc-3").put("turn", 2)
        .put("score", 1).put("note", "good fix").encode());
    assertEquals(200, vote.statusCode(), vote.body());
    String summary = history.getJsonObject(9).getJsonArray("content").getJsonObject(0).getString("text");

    JsonArray compacted = new JsonArray().add(user("This session is being continued from a previous conversation that ran"
        + " out of context. The conversation is summarized below:\n" + summary + "\n\nnow commit"));
    compacted.add(ask("cc-3", compacted));
    compacted.add(user("and push"));
    compacted.add(ask("cc-3", compacted));
    compacted.add(user("Your task is to create a detailed summary of the conversation so far, again"));
    compacted.add(ask("cc-3", compacted));
    String second = compacted.getJsonObject(5).getJsonArray("content").getJsonObject(0).getString("text");
    JsonArray again = new JsonArray().add(user("This session is being continued from a previous conversation that ran"
        + " out of context. The conversation is summarized below:\n" + second + "\n\nnow tag a release"));
    again.add(ask("cc-3", again));

    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonObject s = session("cc-3");
    assertEquals(2, s.getJsonArray("messages").size(), "the session goes on from the last compacted history");
    assertEquals(9, s.getJsonObject("meta").getInteger("turns"), "five turns, three, one: counted across compactions");
    List<String> reasons = s.getJsonArray("checkpoints").stream().map(JsonObject.class::cast)
        .map(c -> c.getString("reason")).toList();
    List<String> complete = reasons.stream().filter(r -> r.matches("turn \\d+ complete.*"))
        .map(r -> r.substring(0, r.indexOf(" complete"))).toList();
    assertEquals(java.util.stream.IntStream.rangeClosed(1, 9).mapToObj(n -> "turn " + n).toList(), complete,
        "one AUTO checkpoint per turn, numbered on across both compactions: " + reasons);
    assertTrue(s.getJsonArray("checkpoints").stream().map(JsonObject.class::cast)
        .anyMatch(c -> "WORKFLOW".equals(c.getString("kind")) && "leak fixed".equals(c.getString("label"))), reasons.toString());
    List<Integer> compactions = compactedSeqs(s);
    assertEquals(2, compactions.size(), reasons.toString());
    JsonArray first = admin("/admin/sessions/cc-3/checkpoints/" + compactions.get(0)).getJsonArray("context");
    assertEquals(10, first.size(), "the first compaction's history is readable after the second");
    assertEquals("read main.c", first.getJsonObject(0).getString("content"));
    assertEquals(6, admin("/admin/sessions/cc-3/checkpoints/" + compactions.get(1)).getJsonArray("context").size());
    // a checkpoint before the first compaction reads its messages from the compaction's checkpoint
    int turnTwo = 1 + reasons.indexOf(reasons.stream().filter(r -> r.startsWith("turn 2 complete")).findFirst().orElseThrow());
    JsonArray atTurnTwo = admin("/admin/sessions/cc-3/checkpoints/" + turnTwo).getJsonArray("context");
    assertEquals(4, atTurnTwo.size(), atTurnTwo.encode());
    assertEquals("fix the leak", atTurnTwo.getJsonObject(2).getString("content"));

    JsonArray events = admin("/admin/sessions/cc-3/events").getJsonArray("events");
    assertTrue(events.stream().map(JsonObject.class::cast).anyMatch(e -> "feedback".equals(e.getString("type"))),
        "the vote outlives the compactions: " + events.encode());
    List<Integer> stored = h.events("checkpoint").stream().filter(e -> e.reason().startsWith("assistant turn "))
        .map(e -> ((Number) e.fields().get("turn")).intValue()).toList();
    assertEquals(java.util.stream.IntStream.rangeClosed(1, 9).boxed().toList(), stored);
  }

  static List<Integer> compactedSeqs(JsonObject session) {
    return session.getJsonArray("checkpoints").stream().map(JsonObject.class::cast)
        .filter(c -> "COMPACTED".equals(c.getString("kind"))).map(c -> c.getInteger("seq")).toList();
  }

  @Test
  void aShortSideRequestWithItsOwnSystemPromptIsNoCompaction() throws Exception {
    h = GatewayHarness.start();
    JsonArray history = new JsonArray();
    for (String q : List.of("read main.c", "fix the leak")) {
      history.add(user(q));
      history.add(ask("cc-2", history));
    }
    HttpResponse<String> title = h.post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5")
        .put("max_tokens", 50).put("system", "Write a 5-word title.").put("messages", new JsonArray().add(user("read main.c")
            .put("content", "fix the leak in main.c"))).encode(), "x-session-id", "cc-2", "anthropic-version", "2023-06-01");
    assertEquals(200, title.statusCode(), title.body());
    assertEquals(4, session("cc-2").getJsonArray("messages").size(), "the main thread is untouched");
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    assertEquals(2, session("cc-2").getJsonArray("threads").size());
  }

  static JsonObject user(String text) {
    return new JsonObject().put("role", "user").put("content", text);
  }

  JsonObject ask(String session, JsonArray messages, String... headers) throws Exception {
    List<String> all = new java.util.ArrayList<>(List.of("x-session-id", session, "anthropic-version", "2023-06-01"));
    all.addAll(List.of(headers));
    HttpResponse<String> r = h.post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 200)
        .put("system", SYSTEM).put("messages", messages).encode(), all.toArray(String[]::new));
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    return new JsonObject().put("role", "assistant").put("content", answer.getJsonArray("content"));
  }

  JsonObject session(String id) throws Exception {
    return admin("/admin/sessions/" + id);
  }

  JsonObject admin(String path) throws Exception {
    HttpResponse<String> r = h.get(path);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }
}
