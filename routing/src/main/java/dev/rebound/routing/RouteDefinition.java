package dev.rebound.routing;

import java.util.List;
import java.util.Map;

/**
 * One routing rule as written in config: when {@code match} fits a request, the route supplies the attempt plan in
 * one of three ways: {@code agents} (an ordered fallback chain), {@code split} (agent -> weight, the first agent is
 * drawn by weight and the others follow as fallbacks), or {@code select: best-match} over {@code agents} (or every
 * agent when none are listed), scored against the task. {@code onOverflow} is the route's own context policy
 * (the gateway reads it; null when the route leaves it to the agent or the global setting). {@code allowTranslation}
 * false keeps the route to agents that speak the client's protocol; else any agent may serve any client.
 */
public record RouteDefinition(String name, RouteMatch match, List<String> agents, Map<String, Integer> split, String select,
                              String onOverflow, boolean allowTranslation) {
  public static final String BEST_MATCH = "best-match";

  public RouteDefinition {
    agents = agents == null ? List.of() : List.copyOf(agents);
    split = split == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(split));
  }

  public RouteDefinition(String name, RouteMatch match, List<String> agents, Map<String, Integer> split, String select,
      String onOverflow) {
    this(name, match, agents, split, select, onOverflow, true);
  }

  public RouteDefinition(String name, RouteMatch match, List<String> agents, Map<String, Integer> split, String select) {
    this(name, match, agents, split, select, null, true);
  }

  public RouteDefinition(String name, RouteMatch match, List<String> agents) {
    this(name, match, agents, Map.of(), null, null, true);
  }
}
