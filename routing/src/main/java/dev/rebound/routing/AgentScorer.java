package dev.rebound.routing;

import java.util.List;

/**
 * How well an agent fits a task: capability overlap with the task's domain and skills, context-window fit, health,
 * in-flight load, its recent outcomes on this kind of task (failures, slowness), cost and weight. Higher is better; {@link #UNFIT} when the agent cannot serve the request at all.
 * A window too small for the whole conversation only ranks an agent last: the gateway can cut the context to fit.
 */
final class AgentScorer {
  static final double UNFIT = Double.NEGATIVE_INFINITY;

  private AgentScorer() {}

  /** The score alone: the hot path. */
  static double value(AgentDefinition a, TaskFeatures f, AgentHealth health, double maxCost) {
    List<String> caps = a.capabilities();
    if (f.skills().contains("vision") && !caps.contains("vision")) return UNFIT;
    double s = 0;
    if (caps.contains(f.domain())) s += 3;
    else if (caps.contains("chat")) s += 1;
    for (String skill : f.skills()) {
      if (caps.contains(skill)) s += 1;
      else if (skill.equals("tools")) s -= 2;
    }
    int window = health.contextWindow(a);
    if (window > 0 && f.tokens() > 0 && window >= 2L * f.tokens()) s += 0.5;
    if (tooSmall(window, f)) s -= 20;
    AgentHealth.Status st = health.status(a);
    if (st == AgentHealth.Status.COOLING) s -= 4;
    else if (st == AgentHealth.Status.OPEN) s -= 8;
    int load = health.inFlight(a);
    if (load > 0) s -= Math.min(2, 0.1 * load);
    s += health.performance(a, f.domain());
    if (maxCost > 0) s -= a.cost() / maxCost;
    // weight: a mild preference among otherwise equal agents (it never outweighs a capability)
    s += Math.min(0.5, a.weight() / 200.0);
    return Math.round(s * 1000) / 1000.0;
  }

  /** Why an agent scored as it did, in words; written only when read. */
  static String reason(AgentDefinition a, TaskFeatures f, AgentHealth health) {
    if (f.skills().contains("vision") && !a.capabilities().contains("vision")) {
      return "cannot read images (no 'vision' capability)";
    }
    StringBuilder why = new StringBuilder();
    if (a.capabilities().contains(f.domain())) why.append("does ").append(f.domain());
    else if (a.capabilities().contains("chat")) why.append("general (chat)");
    else why.append("no '").append(f.domain()).append("' capability");
    for (String skill : f.skills()) {
      if (a.capabilities().contains(skill)) why.append(", has ").append(skill);
      else if (skill.equals("tools")) why.append(", tools not declared");
    }
    AgentHealth.Status st = health.status(a);
    if (st == AgentHealth.Status.COOLING) why.append(", cooling down");
    else if (st == AgentHealth.Status.OPEN) why.append(", circuit open");
    int load = health.inFlight(a);
    if (load > 0) why.append(", ").append(load).append(" in flight");
    String performance = health.performanceReason(a, f.domain());
    if (performance != null) why.append(", ").append(performance);
    int window = health.contextWindow(a);
    if (tooSmall(window, f)) why.append(", window ").append(window).append(" is too small for ").append(f.tokens())
        .append(" tokens (the context will be cut to fit)");
    return why.toString();
  }

  private static boolean tooSmall(int window, TaskFeatures f) {
    return window > 0 && f.tokens() >= window;
  }
}
