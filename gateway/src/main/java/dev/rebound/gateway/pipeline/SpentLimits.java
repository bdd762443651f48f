package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.routing.AgentDefinition;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * A limit a successful answer says is used up (0 left, refilled at a known time) would make the next request a 429:
 * the backend cools until then, so routing sends work to other agents first, as after a 429.
 */
final class SpentLimits {
  private final Clock clock;

  SpentLimits(Clock clock) {
    this.clock = clock;
  }

  /** Cools {@code h} until the latest refill of a spent limit in {@code budget}; each cooldown is an event. */
  void coolIfSpent(AgentDefinition agent, BackendHealth h, RateBudget budget, AttemptEvents events) {
    if (budget == null) return;
    Instant now = clock.instant();
    for (RateBudget.Limit l : budget.limits()) {
      if (l.remaining() == null || l.remaining() > 0 || l.resetsAt() == null || !l.resetsAt().isAfter(now)) continue;
      Instant before = h.coolingUntil();
      if (before != null && !l.resetsAt().isAfter(before)) continue;
      h.coolUntil(l.resetsAt());
      events.emit(EventType.COOLDOWN, "backend '" + agent.backend() + "' says its " + l.name() + " limit for " + agent.model()
          + " is used up (0" + (l.limit() != null ? " of " + l.limit() : "") + " left) until " + l.resetsAt()
          + "; other agents go first until then", agent, Map.of("limit", l.name(), "until", l.resetsAt().toString()));
    }
  }
}
