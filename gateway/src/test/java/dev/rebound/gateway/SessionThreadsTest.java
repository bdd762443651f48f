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

/** Several conversations under one session id: each continues its own thread; none forks the main one. */
class SessionThreadsTest {
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  @Test
  void aTitleRequestAndASubAgentGetThreadsOfTheirOwnAndTheMainConversationGoesOn() throws Exception {
    h = GatewayHarness.start();
    JsonArray main = new JsonArray().add(system("You are a coding agent.")).add(user("fix the bug in parser.c"));
    main.add(chat("work-1", main));
    // opencode: a title for the conversation, with its own system prompt, under the same session id
    JsonArray title = new JsonArray().add(system("Write a short title.")).add(user("fix the bug in parser.c"));
    chat("work-1", title);
    main.add(user("now add a test"));
    main.add(chat("work-1", main));
    // a sub-agent: its own conversation, two turns
    JsonArray agent = new JsonArray().add(system("You search code.")).add(user("find parse_expr"));
    agent.add(chat("work-1", agent));
    agent.add(user("and its callers"));
    agent.add(chat("work-1", agent));
    main.add(user("thanks"));
    main.add(chat("work-1", main));

    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonObject s = session("work-1");
    assertEquals(3, s.getJsonObject("meta").getInteger("turns"), "the main thread holds the main conversation");
    assertEquals(7, s.getJsonObject("meta").getInteger("messageCount"));
    JsonArray threads = s.getJsonArray("threads");
    assertEquals(3, threads.size(), threads.encodePrettily());
    assertEquals("work-1", threads.getJsonObject(0).getString("id"));
    assertTrue(threads.getJsonObject(0).getBoolean("main"));
    assertEquals(List.of(3, 2, 1), threads.stream().map(JsonObject.class::cast).map(t -> t.getInteger("turns")).toList());
    String subAgent = threads.getJsonObject(1).getString("id");
    assertTrue(subAgent.matches("work-1:t[0-9a-f]{10}"), subAgent);
    JsonObject thread = session(subAgent);
    assertEquals("work-1", thread.getString("threadOf"));
    assertEquals("find parse_expr", thread.getJsonArray("messages").getJsonObject(1).getJsonObject("message")
        .getString("content"));
    long tokens = threads.stream().map(JsonObject.class::cast).mapToLong(t -> t.getLong("tokens")).sum();
    JsonObject sum = s.getJsonObject("sessionUsage");
    assertEquals(tokens, sum.getLong("input") + sum.getLong("output"), "the session's usage is its threads' together");
  }

  @Test
  void aClientThatRewritesTheMainConversationStillForksIt() throws Exception {
    h = GatewayHarness.start();
    JsonArray main = new JsonArray().add(system("You are a coding agent.")).add(user("draft A"));
    main.add(chat("rewound", main));
    chat("rewound", new JsonArray().add(system("You are a coding agent.")).add(user("draft B, edited")));
    assertEquals(1, h.events("fork").size(), h.events.toString());
  }

  @Test
  void aResumeByIdGoesOnWithTheThreadOfMostTurnsOrTheOneTheClientNames() throws Exception {
    h = GatewayHarness.start();
    // the title request comes first, so the session's own id holds it; the conversation proper is a thread
    chat("opencode-1", new JsonArray().add(system("Write a short title.")).add(user("plan a trip")));
    JsonArray main = new JsonArray().add(system("You plan trips.")).add(user("plan a trip"));
    main.add(chat("opencode-1", main));
    main.add(user("to Lisbon"));
    main.add(chat("opencode-1", main));

    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o")
        .put("messages", new JsonArray().add(user("for three days"))).encode(), "x-session-id", "opencode-1",
        "x-rebound-resume", "true");
    assertEquals(200, r.statusCode(), r.body());
    JsonArray sent = h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages");
    assertEquals(6, sent.size(), sent.encodePrettily());
    assertEquals("You plan trips.", sent.getJsonObject(0).getString("content"));

    String titleThread = "opencode-1";
    HttpResponse<String> named = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o")
        .put("messages", new JsonArray().add(user("shorter"))).encode(), "x-session-id", "opencode-1",
        "x-rebound-resume", "true", "x-rebound-thread", titleThread);
    assertEquals(200, named.statusCode(), named.body());
    assertEquals("Write a short title.", h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages")
        .getJsonObject(0).getString("content"));
  }

  static JsonObject system(String text) {
    return new JsonObject().put("role", "system").put("content", text);
  }

  static JsonObject user(String text) {
    return new JsonObject().put("role", "user").put("content", text);
  }

  JsonObject chat(String session, JsonArray messages) throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions",
        new JsonObject().put("model", "gpt-4o").put("messages", messages).encode(), "x-session-id", session);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message");
  }

  JsonObject session(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }
}
