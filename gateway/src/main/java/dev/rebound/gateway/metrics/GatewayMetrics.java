package dev.rebound.gateway.metrics;

import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.pipeline.RequestRecord;
import dev.rebound.gateway.stream.TokenUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's own meters of what happens: decisions, upstream attempts and failures, breaker transitions (read from
 * the events as they pass, in this one place), and per request, when it ends, its status, latency, time to first
 * token, tokens and recovery. Labels are configured names (route, agent, backend, tenant) and enum values, never
 * anything a client sent; "none" where a request got no route or agent.
 */
public final class GatewayMetrics implements EventSink {
  /** Whole requests and upstream attempts: from a quick answer to a long generation that waited out a rate limit. */
  static final Duration[] LATENCY_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);
  static final Duration[] FIRST_TOKEN_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60);
  /** The design's target is recovery within 30 s. */
  static final Duration[] RECOVERY_BUCKETS = seconds(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120);
  static final String NONE = "none";

  private final EventSink next;
  private final LabelledMeters<Counter> decisions;
  private final LabelledMeters<Counter> requests;
  private final LabelledMeters<Timer> requestDuration;
  private final LabelledMeters<Timer> firstToken;
  private final LabelledMeters<Counter> attempts;
  private final LabelledMeters<Timer> upstreamDuration;
  private final LabelledMeters<Counter> failures;
  private final LabelledMeters<Counter> recoveries;
  private final LabelledMeters<Timer> recoveryDuration;
  private final LabelledMeters<Counter> tokens;
  private final LabelledMeters<Counter> breakerTransitions;
  private final LongAdder sessionRequests = new LongAdder();

  public GatewayMetrics(MeterRegistry registry, EventSink next) {
    this.next = next;
    decisions = new LabelledMeters<>(l -> Counter.builder("rebound.decisions")
        .description("Decisions made, by type (route, wait, retry, fallback, breaker, checkpoint, give-up...).")
        .tag("type", l[0]).register(registry));
    requests = new LabelledMeters<>(l -> Counter.builder("rebound.requests")
        .description("Model requests answered, by route, agent (the last one tried), backend, protocol, status and the"
            + " error the client got (none; a failure kind when recovery gave up; rejected: refused before any attempt;"
            + " client_gone). Status 499: the client left before the answer began.")
        .tags("route", l[0], "agent", l[1], "backend", l[2], "protocol", l[3], "status", l[4], "error", l[5])
        .register(registry));
    requestDuration = new LabelledMeters<>(l -> Timer.builder("rebound.request.duration")
        .description("Time from a model request's arrival to the end of its answer.")
        .tags("route", l[0], "agent", l[1], "protocol", l[2]).serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    firstToken = new LabelledMeters<>(l -> Timer.builder("rebound.time.to.first.token")
        .description("Streaming answers: time from the request's arrival to the first content sent to the client.")
        .tags("route", l[0], "agent", l[1], "protocol", l[2]).serviceLevelObjectives(FIRST_TOKEN_BUCKETS)
        .register(registry));
    attempts = new LabelledMeters<>(l -> Counter.builder("rebound.upstream.attempts")
        .description("Upstream calls, by backend and outcome (answered, failed, client_gone).")
        .tags("backend", l[0], "outcome", l[1]).register(registry));
    upstreamDuration = new LabelledMeters<>(l -> Timer.builder("rebound.upstream.duration")
        .description("Time of one upstream call, from sending it to its answer's end or its failure.")
        .tags("backend", l[0], "outcome", l[1]).serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    failures = new LabelledMeters<>(l -> Counter.builder("rebound.upstream.failures")
        .description("Failed upstream calls, by backend and failure kind (rate_limited, overloaded, connect, ...).")
        .tags("backend", l[0], "kind", l[1]).register(registry));
    recoveries = new LabelledMeters<>(l -> Counter.builder("rebound.recoveries")
        .description("Requests that met a failure another attempt could fix, by the kind of their first failure and"
            + " outcome (recovered: the client got its answer; gave_up: it got an error).")
        .tags("kind", l[0], "outcome", l[1]).register(registry));
    recoveryDuration = new LabelledMeters<>(l -> Timer.builder("rebound.recovery.duration")
        .description("Time from a request's first failure to its answer (recovered) or its error (gave_up).")
        .tags("kind", l[0], "outcome", l[1]).serviceLevelObjectives(RECOVERY_BUCKETS).register(registry));
    tokens = new LabelledMeters<>(l -> Counter.builder("rebound.tokens")
        .description("Tokens the answers reported, by agent, tenant and type: input (not from a cache), output,"
            + " cache_read, cache_write.")
        .tags("agent", l[0], "tenant", l[1], "type", l[2]).register(registry));
    breakerTransitions = new LabelledMeters<>(l -> Counter.builder("rebound.backend.breaker.transitions")
        .description("Breaker state changes per backend, by the state entered (open, half_open, closed).")
        .tags("backend", l[0], "state", l[1]).register(registry));
    Gauge.builder("rebound.sessions.active", sessionRequests, LongAdder::doubleValue).strongReference(true)
        .description("Requests in flight that belong to a session (a session with two requests in flight counts twice).")
        .register(registry);
  }

  @Override
  public void emit(GatewayEvent event) {
    decisions.get(event.type().id()).increment();
    switch (event.type()) {
      case ANSWERED -> attempt(event, "answered");
      case CLIENT_GONE -> attempt(event, "client_gone");
      case FAILURE -> {
        attempt(event, "failed");
        failures.get(label(event, "backend"), kind(event.fields().get("kind"))).increment();
      }
      case BREAKER -> breakerTransitions.get(label(event, "backend"),
          String.valueOf(event.fields().get("to")).toLowerCase(java.util.Locale.ROOT)).increment();
      default -> {
        // counted by type above
      }
    }
    next.emit(event);
  }

  private void attempt(GatewayEvent e, String outcome) {
    String backend = label(e, "backend");
    attempts.get(backend, outcome).increment();
    if (e.fields().get("elapsedMs") instanceof Number ms) {
      upstreamDuration.get(backend, outcome).record(ms.longValue(), TimeUnit.MILLISECONDS);
    }
  }

  /** A model request began; {@code inSession}: it belongs to a session. */
  public void requestStarted(boolean inSession) {
    if (inSession) sessionRequests.increment();
  }

  /**
   * A model request is over: the answer ended, the client left, or it was refused.
   *
   * @param route the route that planned it; null when it got no plan
   */
  public void requestEnded(RequestRecord r, String route, String tenant, String protocol, boolean inSession,
      HttpServerResponse response) {
    if (inSession) sessionRequests.decrement();
    long end = System.nanoTime();
    boolean ended = response.ended();
    int status = ended || response.headWritten() ? response.getStatusCode() : 499;
    String error;
    if (r.gaveUp() != null) error = r.gaveUp().type();
    else if (!ended) error = "client_gone";
    else if (status >= 400) error = "rejected";
    else error = NONE;
    String routeLabel = orNone(route);
    String agent = orNone(r.agent());
    requests.get(routeLabel, agent, orNone(r.backend()), protocol, String.valueOf(status), error).increment();
    requestDuration.get(routeLabel, agent, protocol).record(end - r.startNanos(), TimeUnit.NANOSECONDS);
    if (r.firstTokenNanos() > 0) {
      firstToken.get(routeLabel, agent, protocol).record(r.firstTokenNanos() - r.startNanos(), TimeUnit.NANOSECONDS);
    }
    // an answer the upstream gave whole was paid for, even when the client left before its reply ended
    if ((ended && error.equals(NONE)) || (error.equals("client_gone") && r.answered())) {
      TokenUsage u = r.usage();
      if (!u.isEmpty()) {
        String t = orNone(tenant);
        count(tokens.get(agent, t, "input"), u.input());
        count(tokens.get(agent, t, "output"), u.output());
        count(tokens.get(agent, t, "cache_read"), u.cacheRead());
        count(tokens.get(agent, t, "cache_write"), u.cacheWrite());
      }
    }
    recovery(r, ended, error, end);
  }

  /**
   * A request whose first failure could be fixed by another attempt (or that gave up with such a kind without one) is
   * a recovery: recovered when the client got its answer. A client that left is neither.
   */
  private void recovery(RequestRecord r, boolean ended, String error, long end) {
    FailureKind kind = r.firstFailure();
    long from = r.firstFailureNanos();
    if (kind == null && r.gaveUp() != null && (r.gaveUp().retryable() || r.gaveUp().fallbackAvailable())) {
      kind = r.gaveUp();
      from = r.startNanos();
    }
    if (kind == null || !ended) return;
    String outcome = error.equals(NONE) ? "recovered" : "gave_up";
    recoveries.get(kind.type(), outcome).increment();
    recoveryDuration.get(kind.type(), outcome).record(end - from, TimeUnit.NANOSECONDS);
  }

  private static void count(Counter c, long n) {
    if (n > 0) c.increment(n);
  }

  private static String label(GatewayEvent e, String field) {
    return e.fields().get(field) instanceof String s ? s : NONE;
  }

  /** The lowercase type of a FailureKind name; "unknown" for anything else. */
  private static String kind(Object name) {
    if (name instanceof String s) {
      try {
        return FailureKind.valueOf(s).type();
      } catch (IllegalArgumentException e) {
        // not a kind
      }
    }
    return "unknown";
  }

  private static String orNone(String s) {
    return s == null ? NONE : s;
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) out[i] = Duration.ofNanos((long) (values[i] * 1e9));
    return out;
  }
}
