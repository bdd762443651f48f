package dev.rebound.routing;

import java.util.List;

/**
 * The ranked agents that may serve a request, in the order they are tried, with why each is there; and the agents
 * that were considered but left out, with why.
 *
 * @param route the name of the rule that produced the plan ({@code direct} when the client named an agent or model)
 */
public record AttemptPlan(String route, List<Candidate> agents, List<Skipped> skipped) {
  public AttemptPlan {
    agents = List.copyOf(agents);
    skipped = List.copyOf(skipped);
  }

  public boolean isEmpty() {
    return agents.isEmpty();
  }

  public record Candidate(AgentDefinition agent, String reason) {}

  public record Skipped(String agent, String reason) {}
}
