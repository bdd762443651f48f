package dev.rebound.routing;

import java.util.List;

/**
 * An agent is what a route hands work to: one model on one backend, with what it is good at and what it costs.
 *
 * @param protocol         the protocol its backend speaks; a client of another protocol is served through translation
 * @param contextWindow    tokens the model accepts (prompt + output); 0 when unknown
 * @param allowTranslation whether it may serve clients of another protocol (false keeps it to its own protocol's)
 */
public record AgentDefinition(
    String name,
    String backend,
    String model,
    Protocol protocol,
    List<String> capabilities,
    double cost,
    int weight,
    int contextWindow,
    boolean allowTranslation) {

  public AgentDefinition {
    capabilities = List.copyOf(capabilities);
  }

  /** An agent that serves clients of any protocol. */
  public AgentDefinition(String name, String backend, String model, Protocol protocol, List<String> capabilities,
      double cost, int weight, int contextWindow) {
    this(name, backend, model, protocol, capabilities, cost, weight, contextWindow, true);
  }
}
