package dev.rebound.routing;

import java.util.Map;
import java.util.Set;

/**
 * What a request asks for, as the task analyzer reads it.
 *
 * @param domain     the best-scoring domain tag (code, summarize, translate, data, vision, chat...)
 * @param scores     every domain that matched, with its score
 * @param declared   whether the client declared the task (x-rebound-task) rather than it being recognised
 * @param complexity low | medium | high, from size and structure
 * @param skills     what the agent must be able to do: tools, vision, long-context
 */
public record TaskFeatures(String domain, Map<String, Double> scores, boolean declared, String complexity,
    Set<String> skills, int tokens) {
  public TaskFeatures {
    scores = Map.copyOf(scores);
    skills = Set.copyOf(skills);
  }
}
