package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Feedback on answers moves the score of the agent that gave them, on their kind of task: a vote through the admin
 * API (by turn or by the answer's id), the client's x-rebound-feedback header on its next request, and a question asked
 * again. Two agents that differ only by weight: the favourite serves until it is voted down.
 */
class FeedbackRoutingTest {
  static final String CONFIG = OutcomeRoutingTest.CONFIG;
  static final String CODE = "Fix this bug in my Python function: def add(a, b): return a - b";

  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  private static String ask(JsonArray messages) {
    return new JsonObject().put("model", "auto").put("messages", messages).encode();
  }

  private static JsonArray question(String text) {
    return new JsonArray().add(new JsonObject().put("role", "user").put("content", text));
  }

  /** One turn of a session on the code task; the answer is added to {@code history}. */
  private HttpResponse<String> turn(String session, JsonArray history, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "x-rebound-task";
    all[1] = "code";
    System.arraycopy(headers, 0, all, 2, headers.length);
    HttpResponse<String> r = h.post("/s/" + session + "/v1/chat/completions", ask(history), all);
    assertEquals(200, r.statusCode(), r.body());
    history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
    return r;
  }

  /** Who serves a code request outside any session (no affinity), and who serves a chat one. */
  private String servedBy(String task) throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", ask(question(CODE)), "x-rebound-task", task);
    assertEquals(200, r.statusCode(), r.body());
    return r.headers().firstValue("x-rebound-agent").orElseThrow();
  }

  private HttpResponse<String> feedback(JsonObject body) throws Exception {
    return h.post("/admin/feedback", body.encode());
  }

  private String explain(String task) throws Exception {
    return h.post("/admin/routes/explain", ask(question(CODE)), "x-rebound-task", task).body();
  }

  private List<JsonObject> storedFeedback(String session) throws Exception {
    JsonArray events = new JsonObject(h.get("/admin/sessions/" + session + "/events").body()).getJsonArray("events");
    return events.stream().map(e -> (JsonObject) e).filter(e -> "feedback".equals(e.getString("type"))).toList();
  }

  private void awaitFeedbackEvents(int n) {
    Eventually.await(h.vertx, 5_000, n + " feedback event(s)", () -> h.events("feedback").size() >= n);
  }

  @Test
  void aVoteThroughTheAdminApiMovesThatTaskToTheOtherAgentAndIsStoredWithTheSession() throws Exception {
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC());
    JsonArray history = question(CODE);
    HttpResponse<String> first = turn("voted", history);
    assertEquals("favourite", first.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("favourite", servedBy("code"));

    HttpResponse<String> voted = feedback(new JsonObject().put("session", "voted").put("turn", 1).put("score", -1)
        .put("note", "the fix is wrong"));
    assertEquals(200, voted.statusCode(), voted.body());
    JsonObject answer = new JsonObject(voted.body());
    assertEquals("favourite", answer.getString("agent"));
    assertEquals("code", answer.getString("task"));
    assertEquals(1, answer.getInteger("turn"));

    assertEquals("other", servedBy("code"), "one vote down outweighs the favourite's weight on code");
    assertEquals("favourite", servedBy("chat"), "the vote was on code: chat requests still go to the favourite");
    assertTrue(explain("code").contains("feedback -1.0 over 1 vote on code (-1.00)"), explain("code"));

    List<JsonObject> stored = storedFeedback("voted");
    assertEquals(1, stored.size(), stored.toString());
    JsonObject d = stored.get(0).getJsonObject("details");
    assertEquals("admin", d.getString("source"));
    assertEquals(-1.0, d.getDouble("score"));
    assertEquals("favourite", d.getString("agent"));
    assertEquals("the fix is wrong", d.getString("note"));
    assertTrue(stored.get(0).getString("reason").contains("\"the fix is wrong\""), stored.toString());
  }

  @Test
  void aVoteNamesTheAnswerByTheIdTheClientGotAndGoodVotesRaiseAnAgent() throws Exception {
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC());
    HttpResponse<String> r = turn("by-id", question(CODE));
    String id = new JsonObject(r.body()).getString("id");
    assertNotNull(id, r.body());

    HttpResponse<String> down = feedback(new JsonObject().put("session", "by-id").put("responseId", id).put("score", -1));
    assertEquals(200, down.statusCode(), down.body());
    assertEquals("favourite", new JsonObject(down.body()).getString("agent"));
    assertEquals(1, new JsonObject(down.body()).getInteger("turn"));
    assertEquals(id, new JsonObject(down.body()).getString("responseId"));
    assertEquals("other", servedBy("code"));

    // the other agent answers the next session's turn, and is voted up by its turn
    HttpResponse<String> next = turn("by-id-2", question(CODE));
    assertEquals("other", next.headers().firstValue("x-rebound-agent").orElseThrow());
    HttpResponse<String> up = feedback(new JsonObject().put("session", "by-id-2").put("turn", 1).put("score", 1));
    assertEquals(200, up.statusCode(), up.body());
    assertEquals("other", new JsonObject(up.body()).getString("agent"));
    assertTrue(explain("code").contains("feedback +1.0 over 1 vote on code (+1.00)"), explain("code"));
    assertEquals(404, feedback(new JsonObject().put("session", "by-id").put("responseId", "chatcmpl-unknown")
        .put("score", 1)).statusCode(), "an id no answer of the session had");
  }

  @Test
  void theFeedbackHeaderOnTheNextRequestVotesOnThePreviousTurnOfTheSession() throws Exception {
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC());
    JsonArray history = question(CODE);
    turn("headed", history);
    history.add(new JsonObject().put("role", "user").put("content", "That is still wrong, " + CODE));
    HttpResponse<String> second = turn("headed", history, "x-rebound-feedback", "-1");
    assertEquals("favourite", second.headers().firstValue("x-rebound-agent").orElseThrow(),
        "the request itself is served as it would be: the vote is taken once it is answered");
    awaitFeedbackEvents(1);
    GatewayEvent e = h.events("feedback").get(0);
    assertEquals("header", e.fields().get("source"));
    assertEquals(1, e.fields().get("turn"), "the vote is on the turn before the one that carried it");
    assertEquals("favourite", e.fields().get("agent"));
    assertEquals(second.headers().firstValue("x-request-id").orElseThrow(), e.requestId());
    assertEquals("other", servedBy("code"));
    assertEquals(1, storedFeedback("headed").size());
  }

  @Test
  void aClientAskingTheSameQuestionAgainCastsAMildVoteAgainstTheAnswerItHad() throws Exception {
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC());
    JsonArray history = question(CODE);
    turn("again", history);
    turn("again", question(CODE)); // regenerate: the same history, the same last user message
    awaitFeedbackEvents(1);
    GatewayEvent e = h.events("feedback").get(0);
    assertEquals("regenerate", e.fields().get("source"));
    assertEquals(-0.5, e.fields().get("score"), "routing.outcomes.regenerateScore");
    assertEquals(1, e.fields().get("turn"));
    assertEquals("favourite", e.fields().get("agent"));
    // 3 x -0.5 / (1 + 2) = -0.5 against the favourite's +0.495 for its weight: the two change places, just
    assertTrue(explain("code").contains("feedback -0.5 over 1 vote on code (-0.50)"), explain("code"));
    assertEquals("other", servedBy("code"));

    // a turn that goes on is no regeneration, and a vote with the header instead is the vote, not a second one
    history.add(new JsonObject().put("role", "user").put("content", "And now in Go, please."));
    turn("again", history);
    turn("again", new JsonArray(history.getList().subList(0, 3)), "x-rebound-feedback", "+1");
    awaitFeedbackEvents(2);
    assertEquals(2, h.events("feedback").size(), h.events("feedback").toString());
    GatewayEvent up = h.events("feedback").get(1);
    assertEquals("header", up.fields().get("source"));
    assertEquals(2, up.fields().get("turn"), "asked again with a vote: the vote is on the answer asked again");
  }

  @Test
  void aVoteOnATurnOfAThreadIsOnThatThreadsAnswerNotOnTheMainThreadsTurnOfTheSameNumber() throws Exception {
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC());
    JsonArray main = new JsonArray().add(new JsonObject().put("role", "system").put("content", "You fix code."))
        .add(new JsonObject().put("role", "user").put("content", CODE));
    turn("threads", main);
    // another conversation under the same id (a title, as Claude Code asks for): its own thread, its own turn 1
    JsonArray title = new JsonArray().add(new JsonObject().put("role", "system").put("content", "You write short titles."))
        .add(new JsonObject().put("role", "user").put("content", "A title for: fixing add()"));
    HttpResponse<String> r = h.post("/s/threads/v1/chat/completions", ask(title), "x-rebound-task", "chat");
    assertEquals(200, r.statusCode(), r.body());
    String thread = (String) h.events("session").stream().filter(e -> e.fields().containsKey("thread")).findFirst()
        .orElseThrow(() -> new AssertionError(h.events.toString())).fields().get("thread");

    JsonObject onMain = new JsonObject(feedback(new JsonObject().put("session", "threads").put("turn", 1)
        .put("score", -1)).body());
    assertEquals("code", onMain.getString("task"), onMain.encode());
    assertEquals(null, onMain.getString("thread"));
    JsonObject onThread = new JsonObject(feedback(new JsonObject().put("session", thread).put("turn", 1)
        .put("score", -1)).body());
    assertEquals("chat", onThread.getString("task"), onThread.encode());
    assertEquals(thread, onThread.getString("thread"));
    assertEquals("threads", onThread.getString("session"));
    assertEquals(2, storedFeedback("threads").size(), "both votes are among the session's decisions");
  }

  @Test
  void votesTheGatewayCannotUseAreRefusedWithA4xxThatSaysWhy() throws Exception {
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC());
    turn("known", question(CODE));
    assertRefused(400, new JsonObject().put("turn", 1).put("score", -1), "session (the id of the session");
    assertRefused(400, new JsonObject().put("session", "bad id!").put("turn", 1).put("score", -1), "session must be");
    assertRefused(400, new JsonObject().put("session", "known").put("score", -1), "exactly one of turn");
    assertRefused(400, new JsonObject().put("session", "known").put("turn", 1).put("responseId", "x").put("score", -1),
        "not both");
    assertRefused(400, new JsonObject().put("session", "known").put("turn", 0).put("score", -1), "turn must be");
    assertRefused(400, new JsonObject().put("session", "known").put("turn", 1), "score (the vote");
    assertRefused(400, new JsonObject().put("session", "known").put("turn", 1).put("score", 2),
        "score must be the vote: -1 bad, 0 neutral, +1 good, or any number between: a number from -1 to 1, but was '2'");
    assertRefused(400, new JsonObject().put("session", "known").put("turn", 1).put("score", "-1"), "not a string");
    assertRefused(400, new JsonObject().put("session", "known").put("turn", 1).put("score", -1)
        .put("note", "x".repeat(1001)), "note must be a string of at most 1000 characters");
    assertRefused(404, new JsonObject().put("session", "unknown").put("turn", 1).put("score", -1), "No session 'unknown'");
    assertRefused(404, new JsonObject().put("session", "known").put("turn", 7).put("score", -1),
        "Session 'known' has no stored answer of turn 7");
    HttpResponse<String> notJson = h.post("/admin/feedback", "score=-1");
    assertEquals(400, notJson.statusCode(), notJson.body());

    HttpResponse<String> badHeader = h.post("/s/known/v1/chat/completions", ask(question(CODE)),
        "x-rebound-feedback", "thumbs down");
    assertEquals(400, badHeader.statusCode(), badHeader.body());
    JsonObject error = new JsonObject(badHeader.body()).getJsonObject("error");
    assertEquals("x-rebound-feedback", error.getString("param"), badHeader.body());
    assertTrue(error.getString("message").contains("must be a number from -1 to 1"), badHeader.body());
    HttpResponse<String> noSession = h.post("/v1/chat/completions", ask(question(CODE)), "x-rebound-feedback", "-1");
    assertEquals(400, noSession.statusCode(), noSession.body());
    assertTrue(noSession.body().contains("send it with the session's id"), noSession.body());
    assertEquals(1, h.upstreamRequests().size(), "refused requests reach no backend");
    assertFalse(h.events.stream().anyMatch(e -> e.type().id().equals("feedback")), h.events.toString());
  }

  private void assertRefused(int status, JsonObject body, String says) throws Exception {
    HttpResponse<String> r = feedback(body);
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.body().contains(says), r.body());
  }
}
