package dev.rebound.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Keyword dictionaries per task domain (conf/task-patterns.yaml), compiled once. An entry is a word or phrase,
 * matched case-insensitively as whole words, or a regular expression written between slashes ({@code /```\w*\n/}).
 */
public final class TaskPatterns {
  public static final TaskPatterns NONE = new TaskPatterns(Map.of(), 32_000);

  private final Map<String, Pattern> byDomain;
  private final int longContextTokens;

  private TaskPatterns(Map<String, Pattern> byDomain, int longContextTokens) {
    this.byDomain = byDomain;
    this.longContextTokens = longContextTokens;
  }

  /**
   * @param entriesByDomain domain -> entries, in priority order (ties between domains go to the earlier one)
   * @param longContextTokens prompt size from which a request needs the long-context skill
   */
  public static TaskPatterns compile(Map<String, List<String>> entriesByDomain, int longContextTokens) {
    List<String> problems = new ArrayList<>();
    Map<String, Pattern> compiled = new LinkedHashMap<>();
    entriesByDomain.forEach((domain, entries) -> {
      List<String> alternatives = new ArrayList<>();
      for (int i = 0; i < entries.size(); i++) {
        String e = entries.get(i).trim();
        if (e.isEmpty()) continue;
        if (e.length() > 2 && e.startsWith("/") && e.endsWith("/")) {
          String re = e.substring(1, e.length() - 1);
          try {
            Pattern.compile(re);
            alternatives.add("(?:" + re + ")");
          } catch (PatternSyntaxException ex) {
            problems.add(domain + "[" + i + "]: '" + e + "' is not a valid regular expression: " + ex.getDescription());
          }
        } else {
          alternatives.add("\\b" + Pattern.quote(e).replace(" ", "\\E\\s+\\Q") + "\\b");
        }
      }
      if (!alternatives.isEmpty()) {
        compiled.put(domain, Pattern.compile(String.join("|", alternatives), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
      }
    });
    if (!problems.isEmpty()) throw new RuleSetException(problems);
    return new TaskPatterns(compiled, longContextTokens);
  }

  Map<String, Pattern> byDomain() {
    return byDomain;
  }

  int longContextTokens() {
    return longContextTokens;
  }
}
