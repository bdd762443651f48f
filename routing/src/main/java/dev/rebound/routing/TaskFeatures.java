package dev.rebound.routing;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a request asks for, as the task analyzer reads it.
 *
 * @param domain     the best-scoring domain tag (code, summarize, translate, data, vision, chat...)
 * @param scores     with the classifier: each likely domain's probability (0.01 or more); without: every domain whose
 *                   keywords matched, with its count
 * @param declared   whether the client declared the task (x-rebound-task) rather than it being recognised
 * @param complexity low | medium | high, from size and structure
 * @param skills     what the agent must be able to do: tools, vision, long-context
 * @param why        what decided the domain, in words (the features that pushed most), worked out only when read
 */
public record TaskFeatures(String domain, Map<String, Double> scores, boolean declared, String complexity,
    Set<String> skills, int tokens, Supplier<List<String>> why) {
  public TaskFeatures {
    scores = Map.copyOf(scores);
    skills = Set.copyOf(skills);
    why = why == null ? List::of : new Memo<>(why);
  }

  public TaskFeatures(String domain, Map<String, Double> scores, boolean declared, String complexity, Set<String> skills,
      int tokens) {
    this(domain, scores, declared, complexity, skills, tokens, null);
  }

  /** What decided the domain: scores, the n-grams and signals that tipped it, keyword hits (explain shows it). */
  public List<String> evidence() {
    return why.get();
  }
}
