package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.routing.AgentDefinition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** What each attempt teaches a backend's health: breaker counts, cooldowns, and limits the backend says are spent. */
final class HealthRecorder {
  private final ResilienceConfig.Breaker breaker;
  private final Clock clock;

  HealthRecorder(ResilienceConfig.Breaker breaker, Clock clock) {
    this.breaker = breaker;
    this.clock = clock;
  }

  /**
   * A failure of the backend's own counts toward its breaker; anything else means it answered. {@code request} names
   * the request, so the same one failing again (a retry, a client's resend) counts once.
   */
  void failed(BackendHealth h, Failure failure, Object request) {
    switch (failure.kind()) {
      // a cut stream is continued; counting cuts would let a few dropped connections take a whole backend out
      case SERVER_ERROR, OVERLOADED, TIMEOUT, CONNECT -> h.failed(failure.kind().type() + ": " + failure.message(),
          request, failure.kind() == FailureKind.CONNECT);
      default -> h.succeeded();
    }
    if (failure.kind() == FailureKind.RATE_LIMITED || failure.kind() == FailureKind.QUOTA_EXHAUSTED
        || failure.kind() == FailureKind.OVERLOADED) {
      Duration cool = failure.retryAfter() != null ? failure.retryAfter()
          : failure.kind() == FailureKind.QUOTA_EXHAUSTED ? breaker.resetTimeout() : null;
      if (cool != null && !cool.isZero()) h.coolUntil(clock.instant().plus(cool));
    }
  }

  /**
   * A limit the backend says is used up (0 left, refilled at a known time) would make the next request a 429: the
   * backend cools until then, so routing sends work to other agents first, as after a 429. Each cooldown is reported.
   */
  void coolIfSpent(AgentDefinition agent, BackendHealth h, RateBudget budget, AttemptEvents events) {
    if (budget == null) return;
    Instant now = clock.instant();
    for (RateBudget.Limit l : budget.limits()) {
      if (l.remaining() == null || l.remaining() > 0 || l.resetsAt() == null || !l.resetsAt().isAfter(now)) continue;
      Instant before = h.coolingUntil();
      if (before != null && !l.resetsAt().isAfter(before)) continue;
      h.coolUntil(l.resetsAt());
      events.emit("cooldown", "backend '" + agent.backend() + "' says its " + l.name() + " limit for " + agent.model()
          + " is used up (0" + (l.limit() != null ? " of " + l.limit() : "") + " left) until " + l.resetsAt()
          + "; other agents go first until then", agent, Map.of("limit", l.name(), "until", l.resetsAt().toString()));
    }
  }
}
