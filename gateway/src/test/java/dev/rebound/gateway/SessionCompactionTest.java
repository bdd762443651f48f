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

/** A client that replaces its long history with a summary of it made a compaction: a checkpoint, not a fork. */
class SessionCompactionTest {
  static final String SYSTEM = "You are Claude Code.";
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
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
    assertEquals(2, s.getJsonObject("meta").getInteger("turns"));
    assertTrue(s.getJsonObject("meta").getLong("tokens") > tokensBefore, "the tokens spent before still count");
    JsonArray cps = s.getJsonArray("checkpoints");
    assertEquals("COMPACTED", cps.getJsonObject(0).getString("kind"), cps.encodePrettily());
    JsonObject before = admin("/admin/sessions/cc-1/checkpoints/1");
    JsonArray context = before.getJsonArray("context");
    assertEquals(6, context.size(), "the whole history before the compaction stays readable");
    assertEquals("read main.c", context.getJsonObject(0).getString("content"));
    assertTrue(h.events("checkpoint").stream().anyMatch(e -> e.reason().startsWith("COMPACTED checkpoint: the client"
        + " compacted 6 message(s) into 1")), h.events("checkpoint").toString());
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

  JsonObject ask(String session, JsonArray messages) throws Exception {
    HttpResponse<String> r = h.post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 200)
        .put("system", SYSTEM).put("messages", messages).encode(), "x-session-id", session, "anthropic-version", "2023-06-01");
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
