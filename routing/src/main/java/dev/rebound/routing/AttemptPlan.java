package dev.rebound.routing;

import java.util.List;

/**
 * The ranked agents that may serve a request, in the order they are tried, each with its score and why it is there;
 * the agents considered but left out, with why; and the task features the decision was based on.
 *
 * @param route the rule that produced the plan ({@code direct} for a client naming an agent or an unrouted model,
 *              {@code pinned} for x-rebound-agent); null when nothing can serve
 */
public record AttemptPlan(String route, java.util.function.Supplier<TaskFeatures> taskFeatures, List<Candidate> agents,
    List<Skipped> skipped) {
  public AttemptPlan {
    agents = List.copyOf(agents);
    skipped = List.copyOf(skipped);
  }

  public AttemptPlan(String route, TaskFeatures features, List<Candidate> agents, List<Skipped> skipped) {
    this(route, () -> features, agents, skipped);
  }

  public AttemptPlan(String route, List<Candidate> agents, List<Skipped> skipped) {
    this(route, (TaskFeatures) null, agents, skipped);
  }

  /** The task features (computed now if no rule needed them yet). */
  public TaskFeatures features() {
    return taskFeatures.get();
  }

  /** Whether the features were computed while planning (so reading them, or the reasons, costs nothing more). */
  public boolean featuresKnown() {
    return !(taskFeatures instanceof Memo<TaskFeatures> m) || m.computed();
  }

  public boolean isEmpty() {
    return agents.isEmpty();
  }

  /** One agent of the plan. Its reason is written only when someone reads it (explain, events), not per request. */
  public static final class Candidate {
    private final AgentDefinition agent;
    private java.util.function.DoubleSupplier scoring;
    private double score;
    private java.util.function.Supplier<String> why;
    private String reason;

    /** A candidate whose score and reason are worked out only when read. */
    public Candidate(AgentDefinition agent, java.util.function.DoubleSupplier scoring, java.util.function.Supplier<String> why) {
      this.agent = agent;
      this.scoring = scoring;
      this.why = why;
    }

    public Candidate(AgentDefinition agent, double score, java.util.function.Supplier<String> why) {
      this(agent, () -> score, why);
    }

    public Candidate(AgentDefinition agent, double score, String reason) {
      this(agent, score, () -> reason);
    }

    public AgentDefinition agent() {
      return agent;
    }

    public synchronized double score() {
      if (scoring != null) {
        score = scoring.getAsDouble();
        scoring = null;
      }
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
      return agent.name() + " (" + score() + "): " + reason();
    }
  }

  public record Skipped(String agent, String reason) {}
}
