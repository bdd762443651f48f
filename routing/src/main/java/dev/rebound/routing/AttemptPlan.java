package dev.rebound.routing;

import java.util.List;

/**
 * The ranked agents that may serve a request, in the order they are tried, each with its score and why it is there;
 * the agents considered but left out, with why; and the task features the decision was based on.
 *
 * @param route the rule that produced the plan ({@code direct} for a client naming an agent or an unrouted model,
 *              {@code pinned} for x-rebound-agent); null when nothing can serve
 */
public record AttemptPlan(String route, TaskFeatures features, List<Candidate> agents, List<Skipped> skipped) {
  public AttemptPlan {
    agents = List.copyOf(agents);
    skipped = List.copyOf(skipped);
  }

  public AttemptPlan(String route, List<Candidate> agents, List<Skipped> skipped) {
    this(route, null, agents, skipped);
  }

  public boolean isEmpty() {
    return agents.isEmpty();
  }

  public record Candidate(AgentDefinition agent, double score, String reason) {
    public Candidate(AgentDefinition agent, String reason) {
      this(agent, 0, reason);
    }
  }

  public record Skipped(String agent, String reason) {}
}
