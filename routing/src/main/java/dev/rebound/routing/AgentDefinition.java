package dev.rebound.routing;

import java.util.List;

/**
 * An agent is what a route hands work to: one model on one backend, with what it is good at and what it costs.
 *
 * @param protocol      the protocol its backend speaks; a request is only sent to an agent that speaks its protocol
 * @param contextWindow tokens the model accepts (prompt + output); 0 when unknown
 */
public record AgentDefinition(
    String name,
    String backend,
    String model,
    Protocol protocol,
    List<String> capabilities,
    double cost,
    int weight,
    int contextWindow) {

  public AgentDefinition {
    capabilities = List.copyOf(capabilities);
  }
}
