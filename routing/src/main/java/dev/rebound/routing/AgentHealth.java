package dev.rebound.routing;

/** Live state of agents as the gateway sees it; routing reads it, never changes it. */
public interface AgentHealth {
  enum Status { HEALTHY, COOLING, OPEN }

  Status status(AgentDefinition agent);

  /** Requests in flight on this agent now. */
  int inFlight(AgentDefinition agent);

  /** The window the agent's server has now (it may have reported another than config says); 0 when unknown. */
  default int contextWindow(AgentDefinition agent) {
    return agent.contextWindow();
  }

  /**
   * How the agent's recent outcomes on this kind of task move its best-match score: 0 when too little is known,
   * negative for failures, slowness, recoveries or cost against the best agent on the same kind of task; feedback on
   * its answers moves it either way.
   */
  default double performance(AgentDefinition agent, String task) {
    return 0;
  }

  /** Why {@link #performance} is what it is, in words; null when nothing is known. */
  default String performanceReason(AgentDefinition agent, String task) {
    return null;
  }

  /**
   * The share of best-match requests on this kind of task that go to {@code runnerUp} instead of the best agent, so
   * an agent that lost its traffic is measured again and wins it back when it does better: above 0 only while too
   * little is known of it lately, or what is known is stale, and the others are being measured.
   */
  default double exploration(AgentDefinition runnerUp, String task) {
    return 0;
  }

  /** Why {@code runnerUp} is explored on this kind of task, in words (read only for explain and events); may be null. */
  default String explorationReason(AgentDefinition runnerUp, String task) {
    return null;
  }

  AgentHealth ALL_HEALTHY = new AgentHealth() {
    @Override
    public Status status(AgentDefinition agent) {
      return Status.HEALTHY;
    }

    @Override
    public int inFlight(AgentDefinition agent) {
      return 0;
    }
  };
}
