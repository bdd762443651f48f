package dev.rebound.gateway.routes;

import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AgentHealth;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Routing's view of the live state: breakers and cooldowns per backend, requests in flight per agent, and the context
 * window each agent's server reports (discovery and overflow errors beat config).
 */
public final class LiveAgentHealth implements AgentHealth {
  private final HealthBoard board;
  private final java.util.function.ToIntFunction<AgentDefinition> windows;
  private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

  public LiveAgentHealth(HealthBoard board) {
    this(board, AgentDefinition::contextWindow);
  }

  public LiveAgentHealth(HealthBoard board, java.util.function.ToIntFunction<AgentDefinition> windows) {
    this.board = board;
    this.windows = windows;
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
    AtomicInteger n = inFlight.get(agent.name());
    return n == null ? 0 : n.get();
  }

  public void started(String agent) {
    inFlight.computeIfAbsent(agent, k -> new AtomicInteger()).incrementAndGet();
  }

  public void ended(String agent) {
    AtomicInteger n = inFlight.get(agent);
    if (n != null) n.decrementAndGet();
  }
}
