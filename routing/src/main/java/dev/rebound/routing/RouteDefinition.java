package dev.rebound.routing;

import java.util.List;

/**
 * One routing rule as written in config: when {@code match} fits a request, {@code agents} is the ordered fallback
 * chain that serves it.
 */
public record RouteDefinition(String name, RouteMatch match, List<String> agents) {
  public RouteDefinition {
    agents = List.copyOf(agents);
  }
}
