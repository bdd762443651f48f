package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.routing.AttemptPlan;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** What the client gets when no attempt can serve its request: an error in its own wire format, and when to retry. */
final class GiveUpAnswer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ResilienceConfig.Breaker breaker;
  private final HealthBoard health;
  private final Clock clock;

  GiveUpAnswer(ResilienceConfig.Breaker breaker, HealthBoard health, Clock clock) {
    this.breaker = breaker;
    this.health = health;
    this.clock = clock;
  }

  /**
   * The answer to a request whose attempts are over: the last upstream error answer as it came when it is in the
   * client's own shape (an overflow stays exactly what the SDK expects), else the gateway's error saying what it
   * tried. The reply's head will say when to retry.
   */
  Result result(Exchange ex, AttemptHistory history) {
    Failure failure = history.lastFailure();
    history.retryAfter(retryAfterSeconds(failure, ex.plan()));
    AttemptOutcome.ErrorAnswer lastError = history.lastErrorAnswer();
    String tried = "Rebound tried " + history.attempts() + " time(s) across " + history.agentsTried() + " agent(s)";
    ClientError ownCredentials = ownCredentialsRejected(failure, history.lastFailedBackend());
    if (ownCredentials != null) return new Result.Failed(ownCredentials);
    BackendConfig lastBackend = history.lastFailedBackend();
    boolean sameFormat = lastBackend != null && lastBackend.protocol() == ex.format().protocol();
    // an error in another provider's shape would confuse the client's SDK: it gets the gateway's, in its own shape
    if (lastError != null && sameFormat && !ex.reply().started() && inClientShape(ex, lastError.body())) {
      return new Result.PassedOn(lastError.status(), lastError.headers(), lastError.body());
    }
    return new Result.Failed(ClientError.forFailure(failure, ex.format(), tried));
  }

  /**
   * Retry-After for a failure that waiting cures: the server's wait, or sooner when a backend of the plan cools down
   * sooner; for an open breaker the real time to the soonest probe, not the configured reset. Null for the others.
   */
  private Long retryAfterSeconds(Failure failure, AttemptPlan plan) {
    FailureKind k = failure.kind();
    if (!k.tellsClientWhenToRetry()) return null;
    Duration d = failure.retryAfter() != null ? failure.retryAfter() : Duration.ZERO;
    for (var c : plan.agents()) {
      Instant until = health.of(c.agent().backend()).coolingUntil();
      if (until != null) {
        Duration left = Duration.between(clock.instant(), until);
        if (d.isZero() || left.compareTo(d) < 0) d = left;
      }
    }
    if (k == FailureKind.CIRCUIT_OPEN && d.isZero()) {
      d = breaker.resetTimeout();
      for (var c : plan.agents()) {
        Duration next = health.of(c.agent().backend()).nextProbeIn();
        if (next != null && next.compareTo(d) < 0) d = next;
      }
    }
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }

  /**
   * A backend that rejected the key from Rebound's config is the gateway's problem, not the client's: a 502 naming
   * the backend, never a 401 that would send the client looking at its own key. Null when the client's own key was
   * passed through (then it may well be the client's).
   */
  private static ClientError ownCredentialsRejected(Failure f, BackendConfig backend) {
    if (f.kind() != FailureKind.AUTH || backend == null || backend.passClientKey()) return null;
    String name = backend.name();
    return new ClientError(502, "api_error", "server_error", "upstream_auth_failed", null,
        "Backend '" + name + "' rejected the credentials Rebound is configured with"
            + (f.message().isBlank() ? "" : " (" + f.message() + ")")
            + ". Your own key is not the problem: the gateway's operator must fix backends[" + name + "].apiKey.");
  }

  private static boolean inClientShape(Exchange ex, Buffer body) {
    try {
      return ex.format().isErrorBody(JSON.readTree(body.getBytes()));
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }
}
