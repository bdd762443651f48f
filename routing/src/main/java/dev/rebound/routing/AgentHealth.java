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
