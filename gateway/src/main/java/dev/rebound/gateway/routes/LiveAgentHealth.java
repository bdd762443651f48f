package dev.rebound.gateway.routes;

import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.recovery.InFlightCounts;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AgentHealth;

/**
 * Routing's view of the live state: breakers and cooldowns per backend, requests in flight per agent (this gateway's
 * and, on a shared Redis, the others': {@link InFlightCounts}), the context
 * window each agent's server reports (discovery and overflow errors beat config), and how each agent's recent
 * attempts went per kind of task ({@link OutcomeBoard}).
 */
public final class LiveAgentHealth implements AgentHealth {
  private final HealthBoard board;
  private final java.util.function.ToIntFunction<AgentDefinition> windows;
  private final InFlightCounts inFlight;

  private final OutcomeBoard outcomes;

  public LiveAgentHealth(HealthBoard board) {
    this(board, AgentDefinition::contextWindow, null, InFlightCounts.local());
  }

  /** @param outcomes the agents' recent outcomes per task; null: best-match does not read them */
  public LiveAgentHealth(HealthBoard board, java.util.function.ToIntFunction<AgentDefinition> windows,
      OutcomeBoard outcomes) {
    this(board, windows, outcomes, InFlightCounts.local());
  }

  /** @param inFlight the requests in flight per agent (shared with other gateways by HealthShare) */
  public LiveAgentHealth(HealthBoard board, java.util.function.ToIntFunction<AgentDefinition> windows,
      OutcomeBoard outcomes, InFlightCounts inFlight) {
    this.inFlight = inFlight;
    this.board = board;
    this.windows = windows;
    this.outcomes = outcomes;
  }

  @Override
  public double performance(AgentDefinition agent, String task) {
    return outcomes == null ? 0 : outcomes.score(agent.name(), task);
  }

  @Override
  public String performanceReason(AgentDefinition agent, String task) {
    return outcomes == null ? null : outcomes.reason(agent.name(), task);
  }

  @Override
  public double exploration(AgentDefinition runnerUp, String task) {
    return outcomes == null ? 0 : outcomes.exploration(runnerUp.name(), task);
  }

  @Override
  public String explorationReason(AgentDefinition runnerUp, String task) {
    return outcomes == null ? null : outcomes.explorationReason(runnerUp.name(), task);
  }

  /** One attempt's outcome, for the agent's performance on this kind of task. */
  public void attempted(AgentDefinition agent, String task, boolean answered, long elapsedMs) {
    if (outcomes != null) outcomes.record(agent.name(), task, answered, elapsedMs);
  }

  /** One attempt's outcome with what was measured of it (time to first token, throughput, cost, recoveries). */
  public void attempted(AgentDefinition agent, String task, OutcomeBoard.Measured measured) {
    if (outcomes != null) outcomes.record(agent.name(), task, measured);
  }

  /** The board best-match reads; null when outcomes are not kept. */
  public OutcomeBoard outcomes() {
    return outcomes;
  }

  @Override
  public int contextWindow(AgentDefinition agent) {
    return windows.applyAsInt(agent);
  }

  @Override
  public Status status(AgentDefinition agent) {
    BackendHealth h = board.of(agent.backend());
    if (h.state() == BackendHealth.State.OPEN) return Status.OPEN;
    return h.coolingUntil() != null ? Status.COOLING : Status.HEALTHY;
  }

  @Override
  public int inFlight(AgentDefinition agent) {
    return inFlight.of(agent.name());
  }

  /** This gateway's own requests in flight on {@code agent} (its metric; Prometheus sums the replicas). */
  public int ownInFlight(AgentDefinition agent) {
    return inFlight.own(agent.name());
  }

  public void started(String agent) {
    inFlight.started(agent);
  }

  public void ended(String agent) {
    inFlight.ended(agent);
  }
}
