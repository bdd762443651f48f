package dev.rebound.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads what a request asks for: the task domain (the client's declaration; else the task classifier over the last
 * user message and the system prompt, with the keyword dictionaries' hits, images and the prompt's size among its
 * features; else, with no classifier, the dictionaries alone), how complex it is, and which skills it needs. Only a
 * bounded head (and tail) of the texts is read: routing must stay microseconds even for 200k-token conversations.
 */
public final class TaskAnalyzer {
  static final String DECLARED_TASK_HEADER = "x-rebound-task";
  private static final String GENERAL = "chat";
  private static final int DECIDING_FEATURES = 8;

  private final TaskPatterns patterns;

  public TaskAnalyzer(TaskPatterns patterns) {
    this.patterns = patterns;
  }

  public TaskFeatures analyze(RoutingRequest r) {
    return analyze(r, new TextIndex(r.lastUserText()), TextIndex.ofRecurring(r.systemText()));
  }

  TaskFeatures analyze(RoutingRequest r, TextIndex user, TextIndex system) {
    Set<String> skills = new LinkedHashSet<>();
    if (r.hasTools()) skills.add("tools");
    if (r.hasImages()) skills.add("vision");
    if (r.tokens() >= patterns.longContextTokens()) skills.add("long-context");
    String complexity = complexity(r);

    String declared = r.header(DECLARED_TASK_HEADER);
    if (declared != null && !declared.isBlank()) {
      String tag = declared.trim().toLowerCase(Locale.ROOT);
      return new TaskFeatures(tag, Map.of(tag, 1.0), true, complexity, skills, r.tokens(),
          () -> List.of("declared by " + DECLARED_TASK_HEADER));
    }
    TaskClassifier classifier = patterns.classifier();
    if (classifier != null) return classified(classifier, r, user, system, complexity, skills);
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
    String domain = best == null ? GENERAL : best;
    return new TaskFeatures(domain, scores, false, complexity, skills, r.tokens(),
        () -> List.of(scores.isEmpty() ? "no keyword matched" : "keyword hits (user message x2 + system prompt): " + scores));
  }

  private TaskFeatures classified(TaskClassifier classifier, RoutingRequest r, TextIndex user, TextIndex system,
      String complexity, Set<String> skills) {
    double[] p = classifier.probabilities(r.lastUserText(), user, r.hasImages(), system);
    List<String> labels = classifier.labels();
    int best = 0;
    int second = -1;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        second = best;
        best = c;
      } else if (second < 0 || p[c] > p[second]) {
        second = c;
      }
    }
    Map<String, Double> scores = new LinkedHashMap<>();
    for (int c = 0; c < p.length; c++) if (p[c] >= 0.01) scores.put(labels.get(c), Math.round(p[c] * 1000) / 1000.0);
    int winner = best;
    int runnerUp = second < 0 ? best : second;
    return new TaskFeatures(labels.get(best), scores, false, complexity, skills, r.tokens(), () -> {
      List<String> why = new ArrayList<>();
      why.add(String.format(Locale.ROOT, "classifier: %s %.3f, runner-up %s %.3f", labels.get(winner), p[winner],
          labels.get(runnerUp), p[runnerUp]));
      if (runnerUp != winner) {
        String deciding = classifier.decidingFeatures(r.lastUserText(), user, r.hasImages(), winner, runnerUp, DECIDING_FEATURES);
        if (!deciding.isEmpty()) why.add("for " + labels.get(winner) + " over " + labels.get(runnerUp) + ": " + deciding);
      }
      Map<String, Integer> hits = new LinkedHashMap<>();
      patterns.byDomain().forEach((d, dict) -> {
        int n = dict.count(user);
        if (n > 0) hits.put(d, n);
      });
      if (!hits.isEmpty()) why.add("keyword hits in the user message: " + hits);
      if (!system.head.isEmpty()) why.add("the system prompt's keyword hits count at half weight");
      return why;
    });
  }

  private static String complexity(RoutingRequest r) {
    if (r.tokens() >= 20_000 || (r.hasTools() && r.tokens() >= 4_000)) return "high";
    if (r.tokens() >= 2_000 || r.hasTools() || r.lastUserText().contains("```")) return "medium";
    return "low";
  }
}
