package dev.rebound.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop load against one target: {@code concurrency} loops, each sending its next request when the previous
 * one has finished, over a pool of as many keep-alive connections. Each loop lives on one event-loop context and
 * owns its histograms and counters; they are merged when the phase ends. A phase stops issuing requests at its
 * deadline (or when its request count is used up) and lets the requests in flight finish; its time runs until the
 * last one has.
 */
public final class LoadGenerator implements AutoCloseable {
  /** How long one request may stay silent before it counts as a timeout. */
  static final long IDLE_TIMEOUT_MS = 60_000;
  /**
   * How long requests still in flight at the end of a phase may take to finish: twice the phase, at least 10 s, at
   * most 30 s. After that they are abandoned and counted as {@code stuck} (a request can stay open indefinitely when
   * the gateway keeps a stream alive with keep-alive comments but never answers).
   */
  static long drainTimeoutMs(Duration phase) {
    return Math.max(10_000, Math.min(30_000, 2 * phase.toMillis()));
  }

  private final String target;
  private final Workload workload;
  private final FaultMix faults;
  private final String mockHost;
  private final int mockPort;
  private final Vertx vertx;
  private final List<Context> contexts;
  private HttpClientAgent client;
  private final HttpClientAgent control;
  private final RequestOptions requestOptions;
  private final Buffer staticBody;
  private final String nonce = Long.toString(System.nanoTime() & 0xffffff, 36);
  /** The model the small requests name. */
  private final String model;
  /**
   * Whether this generator's session requests are bound to their session: sent under {@code /s/<id>/} and answered
   * with the {@code x-rebound-session} header (target {@link Runner#GATEWAY}, or the baseline build's sessions gateway,
   * {@link Peer#BASELINE}). Otherwise (direct, {@link Runner#GATEWAY_SESSIONS_OFF}, {@link
   * Runner#BASELINE_SESSIONS_OFF}) they go to the protocol's plain path and must be answered without that header.
   */
  private final boolean bindSessions;
  /**
   * Session workloads: each loop's conversation, by loop index. It outlives the phase, so the next phase's loop of
   * that index continues it; loop i always runs on the same event-loop thread. Every generator (A, and each B side:
   * sessions on and sessions off) keeps conversations of its own, so each sends the same bodies turn by turn.
   */
  private final Conversation[] conversations;
  private long phaseCounter;
  /** Overrides {@link #drainTimeoutMs} (tests); 0 = the default. */
  long drainTimeoutOverrideMs;

  /**
   * @param target   {@link Runner#DIRECT}, {@link Runner#GATEWAY} or another side's name; session requests to
   *                 {@link Runner#GATEWAY} (or {@code baseline}) go under {@code /s/<session id>/} and must be
   *                 answered with the {@code x-rebound-session} header, to any other target to the plain path and
   *                 without it
   * @param faults   faults to arm on the mock for this target's requests (null: none)
   * @param contexts event-loop contexts the loops are spread over
   */
  public LoadGenerator(Vertx vertx, List<Context> contexts, String target, String host, int port, Workload workload,
                       FaultMix faults, String mockHost, int mockPort) {
    this(vertx, contexts, target, host, port, workload, faults, mockHost, mockPort, null);
  }

  /**
   * @param model the model the requests name instead of the protocol's own (null: its own); e.g.
   *              {@link Protocol#crossModel()}, which the gateway serves translated. Small requests only (not
   *              sessions or large-context workloads).
   */
  public LoadGenerator(Vertx vertx, List<Context> contexts, String target, String host, int port, Workload workload,
                       FaultMix faults, String mockHost, int mockPort, String model) {
    if (model != null && (workload.sessions() || workload.largeContext())) {
      throw new IllegalArgumentException("another model is for the small requests only, not " + workload.describe());
    }
    this.target = target;
    this.model = model != null ? model : workload.protocol().model();
    this.workload = workload;
    this.faults = faults;
    this.mockHost = mockHost;
    this.mockPort = mockPort;
    this.vertx = vertx;
    this.contexts = contexts;
    this.bindSessions = Runner.GATEWAY.equals(target) || Peer.BASELINE.id().equals(target);
    this.conversations = new Conversation[workload.sessions() ? workload.concurrency() : 0];
    this.client = newClient();
    this.control = faults == null ? null : vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(Math.max(1, Math.min(8, workload.concurrency()))));
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setURI(workload.protocol().path()).setIdleTimeout(IDLE_TIMEOUT_MS)
        .putHeader("content-type", "application/json")
        .putHeader("x-mock-reply-words", String.valueOf(workload.replyWords()));
    if (workload.stream()) {
      ro.putHeader("accept", "text/event-stream");
      // 0 too: an unpaced stream is the mock writing every event at once, whatever its configured default
      ro.putHeader("x-mock-chunk-delay-ms", String.valueOf(workload.chunkDelayMs()));
    }
    workload.protocol().headers().forEach(ro::putHeader);
    this.requestOptions = ro;
    this.staticBody = Buffer.buffer(workload.protocol().body(this.model, workload.stream(), "Hello from the bench"));
    this.large = workload.largeContext() ? new LargeConversations(workload.protocol(), workload.stream(), workload.contextTokens()) : null;
  }

  private final LargeConversations large;

  /** {@link Runner#DIRECT}, or the name of the B side it sends to ({@link Runner#GATEWAY}, a peer's, ...). */
  public String target() {
    return target;
  }

  private HttpClientAgent newClient() {
    return vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setIdleTimeout(0),
        new PoolOptions().setHttp1MaxSize(workload.concurrency()).setMaxWaitQueueSize(-1));
  }

  /**
   * Runs one phase: for {@code duration}, or {@code count} requests when count > 0. Blocks until it is over.
   *
   * @param probe read before and after, for the processes' CPU time and memory
   */
  public PhaseResult run(String label, Duration duration, long count, Resources.Probe probe) {
    long phaseNo = ++phaseCounter;
    Resources.Snapshot before = probe.snapshot();
    long start = System.nanoTime();
    Phase phase = new Phase(count > 0 ? Long.MAX_VALUE : start + duration.toNanos(), count);
    List<Loop> loops = new ArrayList<>();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int i = 0; i < workload.concurrency(); i++) {
      Loop loop = new Loop(i, phase, new SplittableRandom(31L * phaseNo + i));
      loops.add(loop);
      done.add(loop.done);
      contexts.get(i % contexts.size()).runOnContext(v -> loop.next());
    }
    long drain = drainTimeoutOverrideMs > 0 ? drainTimeoutOverrideMs : drainTimeoutMs(duration);
    long waitMs = count > 0 ? 600_000 : duration.toMillis() + drain;
    boolean abandoned = false;
    try {
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      abandoned = true;
      for (int i = 0; i < loops.size(); i++) {
        Loop loop = loops.get(i);
        contexts.get(i % contexts.size()).runOnContext(v -> loop.abandon());
      }
      try {
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      } catch (Exception again) {
        throw new IllegalStateException(target + " " + label + ": cannot abandon the requests still in flight", again);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(target + " " + label + ": " + e.getCause(), e.getCause());
    }
    if (abandoned) {
      // the stuck requests hold pooled connections: start the next phase with fresh ones
      client.close();
      client = newClient();
    }
    long end = loops.stream().filter(l -> !l.abandoned).mapToLong(l -> l.finishedAt).max()
        .orElse(count > 0 ? System.nanoTime() : phase.deadline);
    Resources resources = probe.snapshot().since(before);
    return merge(label, end - start, loops, resources);
  }

  private PhaseResult merge(String label, long elapsed, List<Loop> loops, Resources resources) {
    long requests = 0, answered = 0, ok = 0, streams = 0, complete = 0;
    List<Map<String, Long>> errors = new ArrayList<>(), recoveries = new ArrayList<>(), armed = new ArrayList<>();
    List<Histogram> lat = new ArrayList<>(), ttft = new ArrayList<>(), gaps = new ArrayList<>();
    for (Loop l : loops) {
      requests += l.requests;
      answered += l.answered200;
      ok += l.ok;
      streams += l.streamRequests;
      complete += l.completeStreams;
      errors.add(l.errors);
      recoveries.add(l.recoveries);
      armed.add(l.armed);
      lat.add(l.latency);
      ttft.add(l.ttft);
      gaps.add(l.gaps);
    }
    return new PhaseResult(target, label, elapsed, requests, answered, ok, streams, complete,
        PhaseResult.sum(errors), PhaseResult.sum(recoveries), PhaseResult.sum(armed),
        Histograms.merge(lat), Histograms.merge(ttft), Histograms.merge(gaps), resources);
  }

  /**
   * Clears the mock's armed faults (those whose request never reached it) and reports how many there were; -1 when
   * the mock could not be asked (left-over faults are harmless: their markers never come again).
   */
  public long resetMockFaults() {
    if (control == null) return 0;
    try {
      for (int attempt = 1; ; attempt++) {
        Future<Long> f = control.request(controlRequest(HttpMethod.GET, "/_mock/faults"))
            .compose(r -> r.send()).compose(HttpClientResponse::body)
            .map(b -> (long) new io.vertx.core.json.JsonArray(b).size())
            .compose(n -> control.request(controlRequest(HttpMethod.POST, "/_mock/reset"))
                .compose(r -> r.send()).compose(HttpClientResponse::body).map(b -> n));
        try {
          return f.toCompletionStage().toCompletableFuture().get(CONTROL_TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
          if (attempt == 3) throw e;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (Exception e) {
      System.err.println("bench: cannot clear the mock's unused faults (" + e + "); carrying on");
      return -1;
    }
  }

  /** Calls to the mock's control API give up after this long without an answer (and are retried or counted). */
  static final long CONTROL_TIMEOUT_MS = 5_000;

  private RequestOptions controlRequest(HttpMethod method, String uri) {
    return new RequestOptions().setMethod(method).setHost(mockHost).setPort(mockPort).setURI(uri)
        .setIdleTimeout(CONTROL_TIMEOUT_MS);
  }

  @Override
  public void close() {
    client.close();
    if (control != null) control.close();
  }

  private static final class Phase {
    final long deadline;
    final long count;
    final AtomicLong tickets = new AtomicLong();

    Phase(long deadline, long count) {
      this.deadline = deadline;
      this.count = count;
    }

    /** Whether another request may start. */
    boolean take() {
      if (count > 0) return tickets.getAndIncrement() < count;
      return System.nanoTime() < deadline;
    }
  }

  /** One closed loop; touched only from its context's thread. */
  private final class Loop {
    final int index;
    final Phase phase;
    final SplittableRandom random;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final Histogram latency = Histograms.create();
    final Histogram ttft = Histograms.create();
    final Histogram gaps = Histograms.create();
    final Map<String, Long> errors = new TreeMap<>();
    final Map<String, Long> recoveries = new TreeMap<>();
    final Map<String, Long> armed = new TreeMap<>();
    long requests, answered200, ok, streamRequests, completeStreams, seq;
    long finishedAt;
    /** Set when the phase gave up waiting for this loop's request; later callbacks of that request are ignored. */
    boolean abandoned;
    /** Session workloads: this loop's request options (its path changes per session). */
    RequestOptions sessionOptions;

    Loop(int index, Phase phase, SplittableRandom random) {
      this.index = index;
      this.phase = phase;
      this.random = random;
    }

    /** This loop's conversation (session workloads), created on first use. */
    Conversation conversation() {
      Conversation c = conversations[index];
      if (c == null) {
        c = new Conversation(workload.protocol(), workload.sessionTurns(), Conversation.randomIds());
        conversations[index] = c;
      }
      return c;
    }

    void abandon() {
      if (done.isDone()) return;
      abandoned = true;
      requests++;
      if (workload.stream()) streamRequests++;
      error("stuck");
      if (workload.sessions()) conversation().failed();
      finishedAt = System.nanoTime();
      done.complete(null);
    }

    void next() {
      if (abandoned) return;
      if (!phase.take()) {
        finishedAt = System.nanoTime();
        done.complete(null);
        return;
      }
      if (workload.sessions()) {
        Conversation c = conversation();
        Buffer body = Buffer.buffer(c.nextBody());
        if (sessionOptions == null) sessionOptions = new RequestOptions(requestOptions);
        sessionOptions.setURI(c.path(bindSessions));
        send(sessionOptions, body, c);
        return;
      }
      if (large != null) {
        send(requestOptions, large.body(seq++, nonce + "p" + phaseCounter + "l" + index), null);
        return;
      }
      FaultMix.Kind kind = faults == null ? FaultMix.Kind.NONE : faults.pick(random);
      if (kind == FaultMix.Kind.NONE) {
        send(requestOptions, staticBody, null);
        return;
      }
      String marker = "bench" + nonce + "p" + phaseCounter + "l" + index + "n" + (seq++);
      armed.merge(kind == FaultMix.Kind.RATE_LIMIT ? "429" : "cut", 1L, Long::sum);
      Buffer body = Buffer.buffer(workload.protocol().body(model, workload.stream(), "Hello from the bench " + marker));
      control.request(controlRequest(HttpMethod.POST, "/_mock/faults"))
          .compose(r -> r.putHeader("content-type", "application/json").send(faults.faultJson(kind, marker)))
          .compose(r -> r.body().map(b -> r.statusCode()))
          .onComplete(ar -> {
            if (abandoned) return;
            if (ar.succeeded() && ar.result() / 100 == 2) {
              send(requestOptions, body, null);
            } else {
              requests++;
              if (workload.stream()) streamRequests++;
              error("bench-cannot-arm-fault");
              next();
            }
          });
    }

    /** @param conv the session this request continues (session workloads), else null */
    private void send(RequestOptions options, Buffer body, Conversation conv) {
      long t0 = System.nanoTime();
      client.request(options).compose(req -> req.send(body)).onComplete(ar -> {
        if (abandoned) return;
        if (ar.failed()) {
          if (conv != null) conv.failed();
          finish(kindOf(ar.cause()));
          return;
        }
        HttpClientResponse resp = ar.result();
        countRecoveries(resp.getHeader("x-rebound-recovery"));
        int status = resp.statusCode();
        if (!workload.stream() || status != 200) {
          resp.body().onComplete(b -> {
            long t1 = System.nanoTime();
            if (b.failed()) {
              if (conv != null) conv.failed();
              finish(kindOf(b.cause()));
            } else if (status != 200) {
              if (conv != null) conv.failed();
              finish("http-" + status);
            } else {
              answered200++;
              String sessionError = null;
              if (conv != null) {
                String header = resp.getHeader(Conversation.SESSION_HEADER);
                sessionError = bindSessions ? conv.checkSessionHeader(header) : Conversation.checkNoSessionHeader(header);
                if (sessionError == null) sessionError = conv.answered(b.result().getBytes());
                else conv.failed();
              }
              if (sessionError == null) {
                ok++;
                Histograms.recordNanos(latency, t1 - t0);
              }
              finish(sessionError);
            }
          });
          return;
        }
        answered200++;
        new StreamRead(t0, resp);
      });
    }

    /** Counts one finished request ({@code error} null when it succeeded) and starts the next. */
    private void finish(String error) {
      if (abandoned) return;
      requests++;
      if (workload.stream()) streamRequests++;
      if (error != null) error(error);
      next();
    }

    private void error(String kind) {
      errors.merge(kind, 1L, Long::sum);
    }

    private void countRecoveries(String header) {
      if (header == null || header.isBlank()) return;
      for (String part : header.split(",")) {
        String p = part.trim();
        int colon = p.lastIndexOf(':');
        String kind = colon < 0 ? p : p.substring(0, colon);
        long n = 1;
        if (colon >= 0) {
          try {
            n = Long.parseLong(p.substring(colon + 1).trim());
          } catch (NumberFormatException e) {
            n = 1;
          }
        }
        if (!kind.isEmpty()) recoveries.merge(kind, n, Long::sum);
      }
    }

    /** Reads one SSE answer, timing its first content event and the gaps between events. */
    private final class StreamRead {
      final long t0;
      final SseScanner scanner;
      long lastEventAt;
      long firstContentAt;
      long maxGap;
      boolean sawEnd;
      boolean sawError;
      boolean finished;

      StreamRead(long t0, HttpClientResponse resp) {
        this.t0 = t0;
        Protocol p = workload.protocol();
        this.scanner = new SseScanner((event, data) -> {
          long now = System.nanoTime();
          if (lastEventAt != 0) maxGap = Math.max(maxGap, now - lastEventAt);
          lastEventAt = now;
          if (firstContentAt == 0 && p.isContent(event, data)) firstContentAt = now;
          if (p.isEnd(event, data)) sawEnd = true;
          if (p.isError(event, data)) sawError = true;
        });
        resp.handler(buf -> scanner.feed(buf.getBytes()));
        resp.exceptionHandler(e -> end(e));
        resp.endHandler(v -> end(null));
      }

      private void end(Throwable failure) {
        if (finished || abandoned) return;
        finished = true;
        long t1 = System.nanoTime();
        String error;
        if (sawError) error = "stream-error-event";
        else if (failure != null) error = kindOf(failure).equals("timeout") ? "stream-timeout" : "stream-cut";
        else if (!sawEnd) error = "stream-incomplete";
        else error = null;
        if (error == null) {
          ok++;
          completeStreams++;
          Histograms.recordNanos(latency, t1 - t0);
          if (firstContentAt != 0) Histograms.recordNanos(ttft, firstContentAt - t0);
          Histograms.recordNanos(gaps, maxGap);
        }
        finish(error);
      }
    }
  }

  static String kindOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String n = c.getClass().getSimpleName();
      if (n.contains("Timeout")) return "timeout";
      if (c.getMessage() != null && c.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timeout")) return "timeout";
    }
    return "connection";
  }
}
