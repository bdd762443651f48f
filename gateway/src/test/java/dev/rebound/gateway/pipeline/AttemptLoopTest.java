package dev.rebound.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.testing.MutableClock;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.gateway.upstream.StreamTarget;
import dev.rebound.gateway.upstream.Upstream;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.routing.AttemptPlan;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attempt loop on its own: a real client socket on one side, a scripted upstream on the other, and time that moves
 * only when the test turns it (an injected clock, timers and random source), so no recovery test waits on the wall
 * clock.
 */
class AttemptLoopTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG = """
      backends:
        - { name: a, protocol: openai, url: "http://127.0.0.1:9", apiKey: k1, models: [ { name: m-a, contextWindow: 128000 } ] }
        - { name: b, protocol: openai, url: "http://127.0.0.1:9", apiKey: k2, models: [ { name: m-b, contextWindow: 128000 } ] }
      agents:
        - { name: first, backend: a, model: m-a }
        - { name: second, backend: b, model: m-b }
      routes:
        - { name: r, match: { model: "*" }, agents: [first, second] }
      resilience:
        retry: { maxAttempts: 2, baseDelay: 2s, multiplier: 2, jitter: 0.2 }
        waitBudget: 60s
        firstByteKeepAlive: 0s
      """;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  private final ManualTimers timers = new ManualTimers(clock);
  private final ScriptedUpstream upstream = new ScriptedUpstream();
  private final List<GatewayEvent> events = new CopyOnWriteArrayList<>();
  private final List<Result> results = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx vertx;
  private HttpServer server;
  private ReboundConfig config;
  private volatile boolean loopStartsAfterTheClientLeft;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    config = new ConfigLoader(Map.of()).parse(CONFIG, "test");
    FailureClassifier classifier = FailureClassifier.loadDefault(clock);
    HealthBoard health = new HealthBoard(config.backends(), config.resilience().breaker(), clock, t -> {});
    AttemptLoop loop = new AttemptLoop(config, upstream, classifier, health, new LiveAgentHealth(health), null, null,
        clock, timers, () -> 0.5);
    AttemptPlan plan = new AttemptPlan("r", List.of(
        new AttemptPlan.Candidate(config.ruleSet().agent("first"), 1.0, "first"),
        new AttemptPlan.Candidate(config.ruleSet().agent("second"), 0.5, "second")), List.of());
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      ObjectNode json;
      try {
        json = (ObjectNode) JSON.readTree(body.getBytes());
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      boolean stream = json.path("stream").asBoolean(false);
      RequestRecord record = new RequestRecord("req-1", events::add, clock);
      Exchange ex = new Exchange(req, Endpoint.CHAT_COMPLETIONS, body, json, json.path("model").asText(), stream, null,
          record);
      ex.authenticated("tenant", null);
      ex.planned(plan);
      ex.replyWith(new Reply(req.response(), req.connection(), vertx, WireFormats.OPENAI_CHAT, stream, json,
          e -> classifier.classifyStreamEvent(e.event(), e.data()), record));
      Runnable run = () -> loop.onRequest(ex).onComplete(ar -> {
        results.add(ex.result());
        Pipeline.write(ex);
      });
      // the steps before the loop (session binding, a summary) took long enough for the client to leave
      if (loopStartsAfterTheClientLeft) req.connection().closeHandler(v -> run.run());
      else run.run();
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRateLimitIsWaitedOutAsTheServerAsksOnTheInjectedClockThenTheSameAgentAnswers() throws Exception {
    upstream.then(error(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\"}}", "retry-after", "7"));
    upstream.then(answer("hello"));
    CompletableFuture<HttpResponse<String>> response = send(chat(false));
    await(() -> upstream.calls.size() == 1);
    await(() -> timers.pending().equals(List.of(Duration.ofSeconds(7))));
    timers.advance(Duration.ofMillis(6_999));
    assertEquals(1, upstream.calls.size(), "no second attempt before the server's wait is over");
    timers.advance(Duration.ofMillis(1));
    HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("hello"), r.body());
    assertEquals("first", r.headers().firstValue("x-rebound-agent").orElse(null));
    assertEquals("2", r.headers().firstValue("x-rebound-attempts").orElse(null));
    assertEquals("retried-after-429:1", r.headers().firstValue("x-rebound-recovery").orElse(null));
    assertEquals(List.of("a", "a"), upstream.backends());
  }

  @Test
  void aBackendFailingPastItsAttemptsHandsTheRequestToTheNextAgentWithItsOwnModel() throws Exception {
    upstream.then(error(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
    upstream.then(error(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
    upstream.then(answer("from b"));
    CompletableFuture<HttpResponse<String>> response = send(chat(false));
    await(() -> upstream.calls.size() == 1);
    // backoff #1 is the base delay: the random source sits at the middle, so the jitter adds nothing
    await(() -> timers.pending().equals(List.of(Duration.ofSeconds(2))));
    timers.advance(Duration.ofSeconds(2));
    HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("second", r.headers().firstValue("x-rebound-agent").orElse(null));
    assertEquals("retried-after-server-error:1,fell-back-after-server-error:1",
        r.headers().firstValue("x-rebound-recovery").orElse(null));
    assertEquals(List.of("a", "a", "b"), upstream.backends());
    assertEquals("m-b", JSON.readTree(upstream.calls.get(2).body().getBytes()).path("model").asText());
    assertTrue(timers.pending().isEmpty());
  }

  @Test
  void aRequestTheBackendCallsInvalidGetsTheBackendsOwnErrorAndIsNeverRetried() throws Exception {
    String error = "{\"error\":{\"message\":\"temperature: must be at most 2\",\"type\":\"invalid_request_error\"}}";
    upstream.then(error(400, error));
    HttpResponse<String> r = send(chat(false)).get(10, TimeUnit.SECONDS);
    assertEquals(400, r.statusCode());
    assertEquals(error, r.body());
    assertEquals(1, upstream.calls.size());
    assertTrue(timers.pending().isEmpty());
    assertEquals(1, events.stream().filter(e -> e.type() == EventType.GIVE_UP).count(), events.toString());
  }

  @Test
  void aRefusedConnectionIsTriedAgainWithinASecondWhateverTheConfiguredBackoff() throws Exception {
    upstream.then(target -> new AttemptOutcome.Broken(AttemptOutcome.Breakage.CONNECT, "connection refused"));
    upstream.then(answer("back"));
    CompletableFuture<HttpResponse<String>> response = send(chat(false));
    await(() -> timers.pending().equals(List.of(Duration.ofSeconds(1))));
    timers.advance(Duration.ofSeconds(1));
    HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("retried-after-connect:1", r.headers().firstValue("x-rebound-recovery").orElse(null));
  }

  @Test
  void aClientThatLeavesDuringAWaitEndsTheRequestWithNoFurtherAttempt() throws Exception {
    upstream.then(error(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\"}}", "retry-after", "30"));
    upstream.then(answer("never sent"));
    String body = chat(false);
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      out.flush();
      await(() -> timers.pending().size() == 1);
    }
    await(() -> results.size() == 1);
    assertInstanceOf(Result.ClientGone.class, results.get(0));
    assertTrue(timers.pending().isEmpty(), "the wait is cancelled with the client");
    timers.advance(Duration.ofSeconds(30));
    assertEquals(1, upstream.calls.size());
  }

  @Test
  void aClientThatLeftBeforeTheFirstAttemptCostsNoModelCall() throws Exception {
    loopStartsAfterTheClientLeft = true;
    upstream.then(answer("nobody reads this"));
    String body = chat(true);
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
    await(() -> results.size() == 1);
    assertInstanceOf(Result.ClientGone.class, results.get(0));
    assertEquals(0, upstream.calls.size(), "no model call for a client that is gone");
    assertTrue(events.stream().anyMatch(e -> e.type() == EventType.CLIENT_GONE));
  }

  @Test
  void aStreamCutAfterItsStopReasonIsEndedByTheGatewayInsteadOfAskedAgain() throws Exception {
    upstream.then(target -> {
      MultiMap head = MultiMap.caseInsensitiveMultiMap().add("content-type", "text/event-stream");
      target.begin(200, head);
      target.accept(SseEvent.of(null, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"role\":\"assistant\",\"content\":\"all of it\"},\"finish_reason\":null}]}"));
      target.accept(SseEvent.of(null, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{},\"finish_reason\":\"stop\"}]}"));
      return new AttemptOutcome.Broken(AttemptOutcome.Breakage.STREAM_CUT, "connection reset");
    });
    HttpResponse<String> r = send(chat(true)).get(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("all of it"), r.body());
    assertTrue(r.body().trim().endsWith("data: [DONE]"), r.body());
    assertEquals(1, upstream.calls.size());
    assertInstanceOf(Result.Streamed.class, results.get(0));
    GatewayEvent answered = events.stream().filter(e -> e.type() == EventType.ANSWERED).findFirst().orElseThrow();
    assertEquals(true, answered.fields().get("endedByGateway"));
  }

  private static String chat(boolean stream) {
    return "{\"model\":\"m-a\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  private CompletableFuture<HttpResponse<String>> send(String body) {
    return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions"))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Function<StreamTarget, AttemptOutcome> error(int status, String body, String... headers) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
    return target -> new AttemptOutcome.ErrorAnswer(status, h, Buffer.buffer(body));
  }

  private static Function<StreamTarget, AttemptOutcome> answer(String text) {
    String body = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
        + "\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}]}";
    return target -> new AttemptOutcome.Answered(200,
        MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"), Buffer.buffer(body));
  }

  /** Progress happens on the event loop; the test thread looks until it shows (never long: nothing here waits on time). */
  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 10 s");
      Thread.sleep(2);
    }
  }

  /** An upstream that answers each attempt from a script, recording what it was sent. */
  private static final class ScriptedUpstream implements Upstream {
    record Sent(String backend, Buffer body) {}

    final List<Sent> calls = new CopyOnWriteArrayList<>();
    private final Deque<Function<StreamTarget, AttemptOutcome>> script = new ArrayDeque<>();

    void then(Function<StreamTarget, AttemptOutcome> next) {
      script.add(next);
    }

    List<String> backends() {
      return calls.stream().map(Sent::backend).toList();
    }

    @Override
    public Call send(BackendConfig backend, String uri, MultiMap headers, Buffer body, StreamTarget target) {
      calls.add(new Sent(backend.name(), body));
      Function<StreamTarget, AttemptOutcome> next = script.poll();
      AttemptOutcome outcome = next == null
          ? new AttemptOutcome.Broken(AttemptOutcome.Breakage.CONNECT, "the script has no more answers") : next.apply(target);
      MultiMap responseHeaders = outcome instanceof AttemptOutcome.ErrorAnswer e ? e.headers()
          : outcome instanceof AttemptOutcome.Answered a ? a.headers() : MultiMap.caseInsensitiveMultiMap();
      return new Call() {
        @Override
        public Future<AttemptOutcome> outcome() {
          return Future.succeededFuture(outcome);
        }

        @Override
        public MultiMap responseHeaders() {
          return responseHeaders;
        }
      };
    }
  }

  /** Timers that fire when the test moves the clock past them, on the context that set them. */
  private static final class ManualTimers implements Timers {
    private record Pending(long id, Instant due, Duration delay, Runnable task, Context context) {}

    private final MutableClock clock;
    private final List<Pending> pending = Collections.synchronizedList(new ArrayList<>());
    private long nextId;

    ManualTimers(MutableClock clock) {
      this.clock = clock;
    }

    @Override
    public synchronized long schedule(Duration delay, Runnable task) {
      long id = ++nextId;
      pending.add(new Pending(id, clock.instant().plus(delay), delay, task, Vertx.currentContext()));
      return id;
    }

    @Override
    public void cancel(long id) {
      pending.removeIf(p -> p.id() == id);
    }

    /** The delays of the timers not yet fired, in the order they were set. */
    List<Duration> pending() {
      synchronized (pending) {
        return pending.stream().map(Pending::delay).toList();
      }
    }

    void advance(Duration d) {
      clock.advance(d);
      List<Pending> due;
      synchronized (pending) {
        due = pending.stream().filter(p -> !p.due().isAfter(clock.instant())).toList();
        pending.removeAll(due);
      }
      for (Pending p : due) p.context().runOnContext(v -> p.task().run());
    }
  }
}
