package dev.rebound.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Agents and routes compiled once into something that answers "who serves this request?" without I/O.
 *
 * <p>A client that names an agent gets it (route {@code direct}). Otherwise routes are checked in order and the
 * first whose match fits supplies the fallback chain; a model no route matches goes to the agents serving it. Agents
 * whose backend speaks another protocol than the client are skipped, with the reason.
 */
public final class RuleSet {
  /** The route name reported when the client named an agent or an upstream model itself. */
  public static final String DIRECT = "direct";

  private final Map<String, AgentDefinition> agents;
  private final List<CompiledRoute> routes;

  private RuleSet(Map<String, AgentDefinition> agents, List<CompiledRoute> routes) {
    this.agents = agents;
    this.routes = routes;
  }

  /** Compiles the rules, reporting every problem at once with its key path. */
  public static RuleSet compile(List<AgentDefinition> agentList, List<RouteDefinition> routeList) {
    List<String> problems = new ArrayList<>();
    Map<String, AgentDefinition> agents = new LinkedHashMap<>();
    for (int i = 0; i < agentList.size(); i++) {
      AgentDefinition a = agentList.get(i);
      if (agents.putIfAbsent(a.name(), a) != null) {
        problems.add("agents[" + i + "].name: duplicate agent '" + a.name() + "'");
      }
    }
    List<CompiledRoute> routes = new ArrayList<>();
    Set<String> routeNames = new LinkedHashSet<>();
    for (int i = 0; i < routeList.size(); i++) {
      RouteDefinition r = routeList.get(i);
      String at = "routes[" + i + "]";
      if (!routeNames.add(r.name())) problems.add(at + ".name: duplicate route '" + r.name() + "'");
      if (r.agents().isEmpty()) problems.add(at + ".agents: a route needs at least one agent");
      List<AgentDefinition> chain = new ArrayList<>();
      for (int j = 0; j < r.agents().size(); j++) {
        String name = r.agents().get(j);
        AgentDefinition a = agents.get(name);
        if (a == null) {
          problems.add(at + ".agents[" + j + "]: unknown agent '" + name + "'" + suggestion(name, agents.keySet()));
        } else {
          chain.add(a);
        }
      }
      ModelGlob glob = r.match().model() == null ? null : ModelGlob.of(r.match().model());
      routes.add(new CompiledRoute(r.name(), glob, r.match().protocol(), chain));
    }
    if (!problems.isEmpty()) throw new RuleSetException(problems);
    return new RuleSet(Map.copyOf(agents), List.copyOf(routes));
  }

  /**
   * The attempt plan for a request; empty when nothing can serve it. An agent's name pins that agent; otherwise the
   * routes decide (clients ask for "gpt-4o" or "claude-sonnet-4-5" and the route chooses who serves it, with its
   * fallback chain); a model no route matches goes to the agents whose upstream model it is.
   */
  public AttemptPlan plan(RoutingRequest request) {
    List<AttemptPlan.Skipped> skipped = new ArrayList<>();
    AgentDefinition pinned = agents.get(request.model());
    if (pinned != null) {
      AttemptPlan plan = filterByProtocol(DIRECT, List.of(pinned), request, "the request names this agent", skipped);
      if (!plan.isEmpty()) return plan;
    }
    for (CompiledRoute r : routes) {
      if (!r.matches(request)) continue;
      // a route none of whose agents speaks the client's protocol cannot serve it: the next rule may
      AttemptPlan plan = filterByProtocol(r.name, r.chain, request, "route '" + r.name + "'", skipped);
      if (!plan.isEmpty()) return plan;
    }
    List<AgentDefinition> serving = new ArrayList<>();
    for (AgentDefinition a : agents.values()) if (a.model().equals(request.model())) serving.add(a);
    if (!serving.isEmpty()) {
      AttemptPlan plan = filterByProtocol(DIRECT, serving, request, "the agent serves the requested model", skipped);
      if (!plan.isEmpty()) return plan;
    }
    return new AttemptPlan(null, List.of(), dedupe(skipped));
  }

  private static List<AttemptPlan.Skipped> dedupe(List<AttemptPlan.Skipped> skipped) {
    Map<String, AttemptPlan.Skipped> byAgent = new LinkedHashMap<>();
    for (AttemptPlan.Skipped s : skipped) byAgent.putIfAbsent(s.agent(), s);
    return List.copyOf(byAgent.values());
  }

  /** Model names a client may ask for: agents, their upstream models, and literal route models; in config order. */
  public List<String> knownModels() {
    Set<String> names = new LinkedHashSet<>();
    for (AgentDefinition a : agents.values()) {
      names.add(a.model());
      names.add(a.name());
    }
    for (CompiledRoute r : routes) {
      if (r.model != null && r.model.isLiteral()) names.add(r.model.toString());
    }
    return List.copyOf(names);
  }

  public AgentDefinition agent(String name) {
    return agents.get(name);
  }

  /** The chain without agents that speak another protocol; those are added to {@code skipped} with the reason. */
  private static AttemptPlan filterByProtocol(String route, List<AgentDefinition> chain, RoutingRequest request,
      String why, List<AttemptPlan.Skipped> skipped) {
    List<AttemptPlan.Candidate> kept = new ArrayList<>();
    List<AttemptPlan.Skipped> skippedHere = new ArrayList<>();
    for (AgentDefinition a : chain) {
      if (request.protocol() != null && a.protocol() != request.protocol()) {
        skippedHere.add(new AttemptPlan.Skipped(a.name(),
            "its backend speaks " + a.protocol().id() + ", the request is " + request.protocol().id()));
      } else {
        kept.add(new AttemptPlan.Candidate(a, why + (kept.isEmpty() ? "" : ", fallback #" + kept.size())));
      }
    }
    skipped.addAll(skippedHere);
    return new AttemptPlan(route, kept, skippedHere);
  }

  private static String suggestion(String name, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = editDistance(name, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    if (best != null && bestDistance <= Math.max(2, name.length() / 3)) return " (did you mean '" + best + "'?)";
    return known.isEmpty() ? " (no agents are defined)" : " (known: " + String.join(", ", known) + ")";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private record CompiledRoute(String name, ModelGlob model, Protocol protocol, List<AgentDefinition> chain) {
    boolean matches(RoutingRequest request) {
      return (model == null || model.matches(request.model()))
          && (protocol == null || protocol == request.protocol());
    }

    @Override
    public String toString() {
      return "route '" + name + "' when model ~ " + (model == null ? "*" : model)
          + (protocol == null ? "" : " and protocol = " + protocol.id()) + " -> " + chain.stream().map(AgentDefinition::name).toList();
    }
  }
}
