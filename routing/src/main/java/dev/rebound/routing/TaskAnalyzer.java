package dev.rebound.routing;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads what a request asks for: the task domain from the keyword dictionaries (or the client's declaration), how
 * complex it is, and which skills it needs. Only the first few KiB of the system prompt and the last user message
 * are read: routing must stay microseconds even for 200k-token conversations.
 */
public final class TaskAnalyzer {
  static final String DECLARED_TASK_HEADER = "x-rebound-task";
  private static final String GENERAL = "chat";

  private final TaskPatterns patterns;

  public TaskAnalyzer(TaskPatterns patterns) {
    this.patterns = patterns;
  }

  public TaskFeatures analyze(RoutingRequest r) {
    return analyze(r, new TextIndex(r.lastUserText()), new TextIndex(r.systemText()));
  }

  TaskFeatures analyze(RoutingRequest r, TextIndex user, TextIndex system) {
    Set<String> skills = new LinkedHashSet<>();
    if (r.hasTools()) skills.add("tools");
    if (r.hasImages()) skills.add("vision");
    if (r.tokens() >= patterns.longContextTokens()) skills.add("long-context");
    String complexity = complexity(r);

    String declared = r.header(DECLARED_TASK_HEADER);
    if (declared != null && !declared.isBlank()) {
      String tag = declared.trim().toLowerCase();
      return new TaskFeatures(tag, Map.of(tag, 1.0), true, complexity, skills, r.tokens());
    }
    Map<String, Double> scores = new LinkedHashMap<>();
    String best = null;
    double bestScore = 0;
    for (Map.Entry<String, TaskPatterns.Domain> e : patterns.byDomain().entrySet()) {
      // the user's own words say more about this request than a standing system prompt
      double score = 2 * e.getValue().count(user) + e.getValue().count(system);
      if (score > 0) {
        scores.put(e.getKey(), score);
        if (score > bestScore) {
          best = e.getKey();
          bestScore = score;
        }
      }
    }
    if (best == null && r.hasImages()) best = "vision";
    return new TaskFeatures(best == null ? GENERAL : best, scores, false, complexity, skills, r.tokens());
  }

  private static String complexity(RoutingRequest r) {
    if (r.tokens() >= 20_000 || (r.hasTools() && r.tokens() >= 4_000)) return "high";
    if (r.tokens() >= 2_000 || r.hasTools() || r.lastUserText().contains("```")) return "medium";
    return "low";
  }
}
