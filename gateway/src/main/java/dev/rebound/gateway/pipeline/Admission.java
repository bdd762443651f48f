package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.time.DurationText;
import dev.rebound.routing.AgentDefinition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether an attempt on an agent may go now: its backend's breaker permit, its cooldown, and what a request with no
 * other agent does when the breaker says no (it waits for the next probe while its wait budget allows).
 */
final class Admission {
  /** How often a request waiting on a half-open breaker looks again (its probes are in flight and decide soon). */
  static final Duration PROBE_POLL = Duration.ofMillis(250);

  sealed interface Verdict {}

  /** Go: a permit is held, to be reported or released. */
  record Go() implements Verdict {}

  /** Not this agent: {@code failure} stands for the request's until an attempt fails for real. */
  record Skip(String reason, Failure failure) implements Verdict {}

  /** Wait for the breaker's next probe, then ask again; {@code why} is null when the wait was already said. */
  record WaitForProbe(Duration delay, String why) implements Verdict {}

  private final Clock clock;

  Admission(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param firstOnAgent the first attempt on the agent: a cooling backend is skipped for the next agent (a retry on
   *                     the same agent was decided knowing the wait, and the last agent is tried even while cooling:
   *                     another request's 429 is a hint, the server's answer decides)
   * @param saidWaiting  the request already said it waits for a probe (it looks again quietly)
   */
  Verdict of(AgentDefinition agent, BackendHealth h, boolean firstOnAgent, boolean lastAgent, Duration budgetLeft,
      boolean saidWaiting) {
    Instant cooling = firstOnAgent && !lastAgent ? h.coolingUntil() : null;
    if (cooling != null) {
      Duration left = Duration.between(clock.instant(), cooling);
      return new Skip(agent.name() + " is cooling down for " + DurationText.format(left) + "; trying the next agent",
          new Failure(FailureKind.RATE_LIMITED, left, null, null, null, null, "backend '" + agent.backend() + "' is rate limited"));
    }
    if (!(h.acquire() instanceof BackendHealth.Permit.Rejected denied)) return new Go();
    // the breaker protects the backend, it does not punish the client: with nowhere else to go, wait for its probe
    // (half-open with every probe in flight: their answers come soon; look again shortly)
    Duration wait = denied.nextProbeIn() != null ? denied.nextProbeIn().plusMillis(1) : PROBE_POLL;
    if (lastAgent && wait.compareTo(budgetLeft) <= 0) {
      return new WaitForProbe(wait, saidWaiting ? null : agent.name() + ": " + denied.reason()
          + "; no other agent can serve, so this request waits for the breaker's next probe");
    }
    return new Skip(agent.name() + ": " + denied.reason(),
        Failure.of(FailureKind.CIRCUIT_OPEN, "backend '" + agent.backend() + "': " + denied.reason()));
  }
}
