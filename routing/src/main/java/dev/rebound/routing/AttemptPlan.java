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

  /** One agent of the plan. Its reason is written only when someone reads it (explain, events), not per request. */
  public static final class Candidate {
    private final AgentDefinition agent;
    private final double score;
    private java.util.function.Supplier<String> why;
    private String reason;

    public Candidate(AgentDefinition agent, double score, java.util.function.Supplier<String> why) {
      this.agent = agent;
      this.score = score;
      this.why = why;
    }

    public Candidate(AgentDefinition agent, double score, String reason) {
      this(agent, score, () -> reason);
    }

    public AgentDefinition agent() {
      return agent;
    }

    public double score() {
      return score;
    }

    public synchronized String reason() {
      if (reason == null) {
        reason = why.get();
        why = null;
      }
      return reason;
    }

    @Override
    public String toString() {
      return agent.name() + " (" + score + "): " + reason();
    }
  }

  public record Skipped(String agent, String reason) {}
}
