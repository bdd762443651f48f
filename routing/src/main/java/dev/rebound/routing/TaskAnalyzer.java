package dev.rebound.routing;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what a request asks for: the task domain from the keyword dictionaries (or the client's declaration), how
 * complex it is, and which skills it needs. Only the first few KiB of the system prompt and the last user message
 * are read: routing must stay microseconds even for 200k-token conversations.
 */
public final class TaskAnalyzer {
  static final String DECLARED_TASK_HEADER = "x-rebound-task";
  private static final int SCAN_CHARS = 8192;
  private static final String GENERAL = "chat";

  private final TaskPatterns patterns;

  public TaskAnalyzer(TaskPatterns patterns) {
    this.patterns = patterns;
  }

  public TaskFeatures analyze(RoutingRequest r) {
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
    String user = head(r.lastUserText());
    String system = head(r.systemText());
    Map<String, Double> scores = new LinkedHashMap<>();
    String best = null;
    double bestScore = 0;
    for (Map.Entry<String, Pattern> e : patterns.byDomain().entrySet()) {
      // the user's own words say more about this request than a standing system prompt
      double score = 2 * count(e.getValue(), user) + count(e.getValue(), system);
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

  private static String head(String text) {
    return text.length() <= SCAN_CHARS ? text : text.substring(0, SCAN_CHARS);
  }

  private static int count(Pattern p, String text) {
    if (text.isEmpty()) return 0;
    Matcher m = p.matcher(text);
    int n = 0;
    while (m.find() && n < 20) n++;
    return n;
  }
}
