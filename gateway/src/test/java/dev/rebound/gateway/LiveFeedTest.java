package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * GET /admin/live, the dashboard's feed, read as a browser reads it (server-sent events over a real socket) while
 * scripted traffic goes through the gateway to mock-llm: a history first, the decisions of a retry, a fallback and a
 * give-up as they happen, each failed request with how its recovery ended, and snapshots whose figures match the meters
 * and /admin/analytics; a breaker opening on the timeline; the admin token required.
 */
class LiveFeedTest {
  static final String TOKEN = "live-admin-token";

  GatewayHarness h;
  final List<Stream<String>> streams = new ArrayList<>();

  record Frame(String event, JsonObject data) {}

  @AfterEach
  void stop() {
    streams.forEach(Stream::close);
    if (h != null) h.close();
  }

  /** Connects to the feed; its frames arrive in the queue answered, read by a thread of the test's. */
  BlockingQueue<Frame> connect() throws Exception {
    HttpResponse<Stream<String>> r = h.http.send(HttpRequest.newBuilder(URI.create(h.base() + "/admin/live"))
        .header("authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
    streams.add(r.body());
    BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      String event = null;
      try {
        for (var it = r.body().iterator(); it.hasNext(); ) {
          String line = it.next();
          if (line.startsWith("event: ")) event = line.substring(7);
          else if (line.startsWith("data: ")) frames.add(new Frame(event, new JsonObject(line.substring(6))));
        }
      } catch (RuntimeException closed) {
        // the test closed the stream
      }
    }, "live-feed-reader");
    reader.setDaemon(true);
    reader.start();
    return frames;
  }

  /** Frames until one matches {@code wanted}; all of them, the match last. */
  static List<Frame> until(BlockingQueue<Frame> frames, String what, Predicate<Frame> wanted) throws InterruptedException {
    List<Frame> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      Frame f = frames.poll(200, TimeUnit.MILLISECONDS);
      if (f == null) continue;
      seen.add(f);
      if (wanted.test(f)) return seen;
    }
    throw new AssertionError("no " + what + " within 15 s; got " + seen.stream().map(Frame::event).toList());
  }

  static JsonObject match(BlockingQueue<Frame> frames, String what, Predicate<Frame> wanted) throws InterruptedException {
    List<Frame> seen = until(frames, what, wanted);
    return seen.get(seen.size() - 1).data();
  }

  @Test
  void aReaderSeesTheRetryTheFallbackAndTheGiveUpAsTheyHappenAndSnapshotsThatMatchTheAnalytics() throws Exception {
    h = GatewayHarness.start(RecoveryTest.CONFIG + "admin: { token: " + TOKEN + " }\n");
    BlockingQueue<Frame> frames = connect();
    Frame history = frames.poll(10, TimeUnit.SECONDS);
    assertNotNull(history, "a history first");
    assertEquals("history", history.event());
    assertEquals(2000, history.data().getInteger("tickMs"));
    assertTrue(history.data().getJsonArray("snapshots").size() >= 1, "the snapshot taken when the gateway started");
    assertEquals(new JsonArray(), history.data().getJsonArray("failures"));

    AnalyticsEndpointTest.traffic(h, "x-session-id", "live-feed");

    List<Frame> seen = until(frames, "the give-up's failure", f -> f.event().equals("failure")
        && f.data().getString("outcome").equals("gave-up"));
    seen.addAll(until(frames, "the fallback's recovery", f -> f.event().equals("failure")
        && "backup".equals(f.data().getString("agent"))));
    List<String> decisions = seen.stream().filter(f -> f.event().equals("decision"))
        .map(f -> f.data().getString("type")).toList();
    // a retry is a wait (however short) before the next attempt
    assertEquals(List.of("failure", "wait", "failure", "wait", "failure", "wait", "failure", "give-up", "failure",
        "fallback"), decisions);
    JsonObject firstDecision = seen.stream().filter(f -> f.event().equals("decision")).findFirst().orElseThrow().data();
    assertEquals("live-feed", firstDecision.getString("session"));
    assertEquals("RATE_LIMITED", firstDecision.getJsonObject("fields").getString("kind"));
    assertEquals("primary", firstDecision.getJsonObject("fields").getString("backend"));

    // each failed request as it ended: the retried one recovered on main, the doomed one gave up, the quota fell back
    List<JsonObject> ended = seen.stream().filter(f -> f.event().equals("failure") && !f.data().getString("outcome").equals("pending"))
        .map(Frame::data).toList();
    assertEquals(List.of("recovered", "gave-up", "recovered"), ended.stream().map(f -> f.getString("outcome")).toList());
    assertEquals(List.of("main", "backup"), List.of(ended.get(0).getString("agent"), ended.get(2).getString("agent")));
    assertEquals(List.of("failure", "wait", "answered"), types(ended.get(0)));
    assertEquals(List.of("failure", "wait", "failure", "wait", "failure", "give-up"), types(ended.get(1)));
    assertEquals(List.of("failure", "fallback", "answered"), types(ended.get(2)));
    for (JsonObject f : ended) {
      assertEquals("live-feed", f.getString("session"));
      assertTrue(f.getLong("recoveryMs") >= 0 && f.getLong("recoveryMs") < 10_000, f.encode());
      assertTrue(f.getString("requestId").length() > 8, f.encode());
    }

    // a snapshot after the traffic: the last minute's figures from the meters, the analytics as the API has them
    JsonObject snapshot = match(frames, "a snapshot with the four requests", f -> f.event().equals("snapshot")
        && f.data().getJsonObject("analytics").getLong("requests") == 4);
    snapshot = lastOf(frames, snapshot);
    assertEquals(4, snapshot.getLong("requestsLastMinute"));
    assertEquals(25.0, snapshot.getDouble("errorPercent"), "one of the four requests gave up");
    assertEquals(new JsonObject().put("quota_exhausted", 1.0).put("rate_limited", 1.0).put("server_error", 3.0),
        snapshot.getJsonObject("failuresPerMinute"));
    assertEquals(66.67, snapshot.getDouble("recoverySuccessPercent"));
    assertTrue(snapshot.getDouble("p95LatencyMs") > 0, snapshot.encode());
    assertTrue(snapshot.getDouble("requestsPerSecond") >= 0, snapshot.encode());
    assertTrue(snapshot.getJsonObject("tokensPerMinute").getDouble("output") > 0, "the answers reported usage");
    assertEquals(List.of("primary", "secondary", "claude-api", "small-api"),
        snapshot.getJsonArray("backends").stream().map(b -> ((JsonObject) b).getString("backend")).toList());

    JsonObject api = new JsonObject(h.get("/admin/analytics?window=15m", "authorization", "Bearer " + TOKEN).body());
    JsonObject shown = snapshot.getJsonObject("analytics");
    assertEquals("15m", shown.getString("window"));
    assertEquals(api.getJsonObject("requests").getLong("total"), shown.getLong("requests"));
    assertEquals(api.getJsonObject("failures").getLong("total"), shown.getLong("failures"));
    assertEquals(api.getJsonObject("failures").getJsonObject("byKind"), shown.getJsonObject("failuresByKind"));
    assertEquals(api.getJsonObject("recoveries").getDouble("successPercent"), shown.getDouble("successPercent"));
    assertEquals(api.getJsonObject("recoveries").getLong("recovered"), shown.getLong("recovered"));
    assertEquals(api.getJsonObject("retries").getLong("total"), shown.getLong("retries"));
    assertEquals(api.getJsonObject("fallbacks").getLong("total"), shown.getLong("fallbacks"));
    assertEquals(api.getJsonObject("targets"), shown.getJsonObject("targets"));

    // a reader that comes later starts from the history: the same failures, the snapshots so far
    JsonObject later = connect().poll(10, TimeUnit.SECONDS).data();
    assertEquals(List.of("recovered", "gave-up", "recovered"), later.getJsonArray("failures").stream()
        .map(f -> ((JsonObject) f).getString("outcome")).toList());
    assertTrue(later.getJsonArray("snapshots").size() >= 2);
  }

  @Test
  void aBreakerThatOpensIsSentAsItHappensAndShownInTheSnapshots() throws Exception {
    h = GatewayHarness.start(RecoveryTest.CONFIG.replace("failureThreshold: 5", "failureThreshold: 2")
        .replace("retry: { baseDelay: 10ms }", "retry: { baseDelay: 10ms, maxAttempts: 1 }")
        + "admin: { token: " + TOKEN + " }\n");
    BlockingQueue<Frame> frames = connect();
    assertEquals("history", frames.poll(10, TimeUnit.SECONDS).event());
    // two requests (one request failing again and again counts once), each with one attempt
    h.fault(RecoveryTest.fault("doomed").put("times", 2).put("status", 500));
    assertEquals(500, MetricsTest.chat(h, "solo", "doomed 1").statusCode());
    assertEquals(500, MetricsTest.chat(h, "solo", "doomed 2").statusCode());

    JsonObject breaker = match(frames, "the breaker decision", f -> f.event().equals("decision")
        && f.data().getString("type").equals("breaker"));
    assertEquals("primary", breaker.getJsonObject("fields").getString("backend"));
    assertEquals("OPEN", breaker.getJsonObject("fields").getString("to"));
    assertTrue(breaker.getBoolean("warning"), "a backend cut off is a warning");
    JsonObject snapshot = match(frames, "a snapshot after it", f -> f.event().equals("snapshot"));
    JsonObject primary = snapshot.getJsonArray("backends").getJsonObject(0);
    assertEquals(new JsonObject().put("backend", "primary").put("breaker", "OPEN").put("coolingUntil", null), primary);

    JsonObject later = connect().poll(10, TimeUnit.SECONDS).data();
    assertEquals("OPEN", later.getJsonArray("transitions").getJsonObject(0).getJsonObject("fields").getString("to"),
        "a reader that comes later sees the transition on its timeline");
  }

  @Test
  void theBackendsViewGivesEachBackendsUrlModelsAndLastErrorAndEachAgentsWindowInForce() throws Exception {
    h = GatewayHarness.start(RecoveryTest.CONFIG + "admin: { token: " + TOKEN + " }\n");
    h.fault(RecoveryTest.fault("retry-me").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "0")));
    assertEquals(200, MetricsTest.chat(h, "gpt-4o", "retry-me").statusCode());
    JsonObject b = new JsonObject(h.get("/admin/backends", "authorization", "Bearer " + TOKEN).body());
    JsonObject primary = b.getJsonArray("backends").getJsonObject(0);
    assertEquals("primary", primary.getString("backend"));
    assertEquals(h.mockUrl(), primary.getString("url"));
    assertEquals("openai", primary.getString("protocol"));
    assertEquals(new JsonArray().add(new JsonObject().put("name", "gpt-4o").put("contextWindow", 128000)),
        primary.getJsonArray("models"));
    JsonObject lastError = primary.getJsonObject("lastError");
    assertEquals("RATE_LIMITED", lastError.getString("kind"));
    assertTrue(lastError.getString("reason").contains("Rate limit reached for gpt-4o"), lastError.encode());
    assertNotNull(java.time.Instant.parse(lastError.getString("at")));
    assertEquals(null, b.getJsonArray("backends").getJsonObject(1).getValue("lastError"), "secondary never failed");
    JsonObject main = b.getJsonArray("agents").stream().map(a -> (JsonObject) a)
        .filter(a -> a.getString("agent").equals("main")).findFirst().orElseThrow();
    assertEquals(new JsonObject().put("agent", "main").put("backend", "primary").put("model", "gpt-4o").put("status", "HEALTHY")
        .put("inFlight", 0).put("contextWindow", 128000).put("windowSource", "vllm /v1/models"), main,
        "mock-llm states its models' windows as vLLM does: the window in force is the one discovered");
  }

  @Test
  void theFeedIsAnAdminCallAndAsksForTheToken() throws Exception {
    h = GatewayHarness.start(RecoveryTest.CONFIG + "admin: { token: " + TOKEN + " }\n");
    HttpResponse<String> r = h.get("/admin/live");
    assertEquals(401, r.statusCode());
    assertEquals("Missing or wrong admin token: send 'Authorization: Bearer <admin.token>'.",
        new JsonObject(r.body()).getJsonObject("error").getString("message"));
    assertEquals(401, h.get("/admin/live", "authorization", "Bearer wrong").statusCode());
  }

  private static List<String> types(JsonObject failure) {
    return failure.getJsonArray("steps").stream().map(s -> ((JsonObject) s).getString("type")).toList();
  }

  /** The newest snapshot already received, else {@code first}. */
  private static JsonObject lastOf(BlockingQueue<Frame> frames, JsonObject first) {
    JsonObject last = first;
    for (Frame f; (f = frames.poll()) != null; ) if (f.event().equals("snapshot")) last = f.data();
    return last;
  }
}
