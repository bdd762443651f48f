package dev.rebound.gateway.routes;

import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AgentHealth;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Routing's view of the live state: breakers and cooldowns per backend, requests in flight per agent. */
public final class LiveAgentHealth implements AgentHealth {
  private final HealthBoard board;
  private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

  public LiveAgentHealth(HealthBoard board) {
    this.board = board;
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
