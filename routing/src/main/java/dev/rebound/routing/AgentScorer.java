package dev.rebound.routing;

/**
 * How well an agent fits a task: capability overlap with the task's domain and skills, context-window fit, health,
 * in-flight load, cost and weight. Higher is better; {@link #UNFIT} when the agent cannot serve the request at all.
 */
final class AgentScorer {
  static final double UNFIT = Double.NEGATIVE_INFINITY;

  private AgentScorer() {}

  record Score(double value, String reason) {}

  static Score score(AgentDefinition a, TaskFeatures f, AgentHealth health, double maxCost) {
    if (a.contextWindow() > 0 && f.tokens() >= a.contextWindow()) {
      return new Score(UNFIT, "window " + a.contextWindow() + " is too small for " + f.tokens() + " tokens");
    }
    if (f.skills().contains("vision") && !a.capabilities().contains("vision")) {
      return new Score(UNFIT, "cannot read images (no 'vision' capability)");
    }
    StringBuilder why = new StringBuilder();
    double s = 0;
    if (a.capabilities().contains(f.domain())) {
      s += 3;
      why.append("does ").append(f.domain());
    } else if (a.capabilities().contains("chat")) {
      s += 1;
      why.append("general (chat)");
    } else {
      why.append("no '").append(f.domain()).append("' capability");
    }
    for (String skill : f.skills()) {
      if (a.capabilities().contains(skill)) {
        s += 1;
        why.append(", has ").append(skill);
      } else if (skill.equals("tools")) {
        s -= 2;
        why.append(", tools not declared");
      }
    }
    if (a.contextWindow() > 0 && f.tokens() > 0 && a.contextWindow() >= 2L * f.tokens()) s += 0.5;
    AgentHealth.Status st = health.status(a);
    if (st == AgentHealth.Status.COOLING) {
      s -= 4;
      why.append(", cooling down");
    } else if (st == AgentHealth.Status.OPEN) {
      s -= 8;
      why.append(", circuit open");
    }
    int load = health.inFlight(a);
    if (load > 0) {
      s -= Math.min(2, 0.1 * load);
      why.append(", ").append(load).append(" in flight");
    }
    if (maxCost > 0) s -= a.cost() / maxCost;
    // weight: a mild preference among otherwise equal agents (it never outweighs a capability)
    s += Math.min(0.5, a.weight() / 200.0);
    return new Score(Math.round(s * 1000) / 1000.0, why.toString());
  }
}
