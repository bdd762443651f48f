package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways on one Redis, each with its own mock backend: what one learns of an agent (its failures, the votes on
 * its answers) moves best-match on the other, which never saw those failures itself.
 */
class SharedOutcomesTest {
  static final String ASK = OutcomeRoutingTest.ASK;

  final Vertx poller = Vertx.vertx();
  Process redis;
  GatewayHarness a;
  GatewayHarness b;

  @AfterEach
  void stop() {
    if (a != null) a.close();
    if (b != null) b.close();
    if (redis != null) redis.destroyForcibly();
    poller.close().await();
  }

  private static String explain(GatewayHarness h) throws Exception {
    return h.post("/admin/routes/explain", ASK).body();
  }

  private static String first(String explain) {
    return new JsonObject(explain).getJsonArray("plan").getJsonObject(0).getString("agent");
  }

  /** Asks again every 50 ms (a Vert.x timer, no sleep) until {@code met} holds, for at most 5 s; the last answer. */
  private String until(String what, Predicate<String> met, java.util.concurrent.Callable<String> ask) throws Exception {
    long deadline = System.currentTimeMillis() + 5_000;
    String last = ask.call();
    while (!met.test(last)) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what + ": " + last);
      poller.timer(50).await();
      last = ask.call();
    }
    return last;
  }

  private static long callsFor(GatewayHarness h, String model) {
    return h.upstreamRequests().stream().filter(o -> model.equals(((JsonObject) o).getJsonObject("body").getString("model")))
        .count();
  }

  @Test
  void failuresSeenByOneGatewayDemoteTheAgentOnTheOtherAndVotesCastThroughEitherCountOnBoth(@TempDir Path dir)
      throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(poller, port, dir, false);
    a = GatewayHarness.start(OutcomeRoutingTest.CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(), Clock.systemUTC());
    b = GatewayHarness.start(OutcomeRoutingTest.CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(), Clock.systemUTC());
    assertEquals("favourite", first(explain(b)));

    a.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("status", 500).put("times", -1));
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = a.post("/v1/chat/completions", ASK);
      assertEquals(200, r.statusCode(), r.body());
    }
    assertEquals("other", first(explain(a)));
    String heard = until("the other gateway to hear five failures", e -> first(e).equals("other"), () -> explain(b));
    assertTrue(heard.contains("0% of its last 5 code attempts answered"), heard);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = b.post("/v1/chat/completions", ASK);
      assertEquals("other", r.headers().firstValue("x-rebound-agent").orElseThrow());
    }
    assertEquals(0, callsFor(b, "first-model"), "the second gateway never sent a request into the failing agent");

    // a turn answered through the second gateway, voted on through the first: the store and the board are shared
    HttpResponse<String> turn = b.post("/s/shared-vote/v1/chat/completions", ASK);
    assertEquals("other", turn.headers().firstValue("x-rebound-agent").orElseThrow());
    JsonObject vote = new JsonObject().put("session", "shared-vote").put("turn", 1).put("score", -1).put("note", "meh");
    // the turn's events reach Redis within the second gateway's linger (200 ms)
    String voted = until("the turn's events in Redis", body -> body.contains("\"agent\""),
        () -> a.post("/admin/feedback", vote.encode()).body());
    assertEquals("other", new JsonObject(voted).getString("agent"));
    String onB = until("the other gateway to hear the vote", e -> e.contains("feedback -1.0 over 1 vote"), () -> explain(b));
    assertTrue(onB.contains("feedback -1.0 over 1 vote on code"), onB);
    // the vote is stored with the session by the gateway that took it (within its linger), readable through either
    String events = until("the vote among the session's events", e -> feedbackOf(e) != null,
        () -> b.get("/admin/sessions/shared-vote/events").body());
    assertEquals("meh", feedbackOf(events).getJsonObject("details").getString("note"), events);
  }

  private static JsonObject feedbackOf(String events) {
    return new JsonObject(events).getJsonArray("events").stream().map(e -> (JsonObject) e)
        .filter(e -> "feedback".equals(e.getString("type"))).findFirst().orElse(null);
  }
}
