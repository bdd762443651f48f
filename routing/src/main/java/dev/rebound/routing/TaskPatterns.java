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
 * Words and phrases are looked up in the request's {@link TextIndex}; only regex entries scan the text.
 */
public final class TaskPatterns {
  public static final TaskPatterns NONE = new TaskPatterns(Map.of(), Map.of(), 32_000, null);

  private final Map<String, List<String>> source;
  private final Map<String, Domain> byDomain;
  private final int longContextTokens;
  private final TaskClassifier classifier;

  private TaskPatterns(Map<String, List<String>> source, Map<String, Domain> byDomain, int longContextTokens,
      TaskClassifier classifier) {
    this.source = source;
    this.byDomain = byDomain;
    this.longContextTokens = longContextTokens;
    this.classifier = classifier;
  }

  /** Same dictionaries and examples, same classifier: a config reload (or a test suite) does not train it again. */
  private record Trained(Map<String, List<String>> source, int longContextTokens, List<TaskExample> examples) {}

  private static final Map<Trained, TaskPatterns> TRAINED = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * These dictionaries with a task classifier trained now on the training split of the corpus shipped with Rebound,
   * the given examples (the user's own, from config), and the dictionaries' entries for domains with too few examples.
   * The dictionaries' hits become features of the classifier. Takes a second or so: call it at load, not per
   * request.
   */
  public TaskPatterns withClassifier(List<TaskExample> examples) {
    Trained key = new Trained(source, longContextTokens, List.copyOf(examples));
    TaskPatterns known = TRAINED.get(key);
    if (known != null) return known;
    List<TaskExample> all = new ArrayList<>(TaskCorpus.training());
    all.addAll(examples);
    TaskPatterns trained = new TaskPatterns(source, byDomain, longContextTokens, TaskClassifier.train(all, byDomain));
    if (TRAINED.size() >= 8) TRAINED.clear();
    TRAINED.put(key, trained);
    return trained;
  }

  /** What the classifier learned from and how long training took (for the boot log); "" without one. */
  public String classifierSummary() {
    return classifier == null ? "" : classifier.toString();
  }

  TaskClassifier classifier() {
    return classifier;
  }

  /** A class, not a record: it is a memo key, so identity equality keeps lookups from hashing every phrase. */
  static final class Domain {
    private final List<List<String>> phrases;
    private final RegexScan[] regexes;
    private final List<String> entries;

    Domain(List<List<String>> phrases, List<Pattern> regexes, List<String> entries) {
      this.phrases = phrases;
      // one scan per expression: each is tried only where it can start, not every branch wherever any can
      this.regexes = regexes.stream().map(RegexScan::of).toArray(RegexScan[]::new);
      this.entries = entries;
    }

    /** The words and phrases as written (not the regular expressions). */
    List<String> entries() {
      return entries;
    }

    /** Matches of this domain's entries in a text (at most 20 per regex, to bound the cost). */
    int count(TextIndex text) {
      return (Integer) text.memo.computeIfAbsent(this, k -> countNow(text));
    }

    private int countNow(TextIndex text) {
      int n = 0;
      for (List<String> p : phrases) n += text.count(p);
      if (!text.head.isEmpty()) for (RegexScan r : regexes) n += r.count(text.head, 20);
      return n;
    }
  }

  /**
   * @param entriesByDomain domain -> entries, in priority order (ties between domains go to the earlier one)
   * @param longContextTokens prompt size from which a request needs the long-context skill
   */
  public static TaskPatterns compile(Map<String, List<String>> entriesByDomain, int longContextTokens) {
    List<String> problems = new ArrayList<>();
    Map<String, Domain> compiled = new LinkedHashMap<>();
    entriesByDomain.forEach((domain, entries) -> {
      List<List<String>> phrases = new ArrayList<>();
      List<Pattern> regexes = new ArrayList<>();
      List<String> written = new ArrayList<>();
      for (int i = 0; i < entries.size(); i++) {
        String e = entries.get(i).trim();
        if (e.isEmpty()) continue;
        if (e.length() > 2 && e.startsWith("/") && e.endsWith("/")) {
          String re = e.substring(1, e.length() - 1);
          try {
            regexes.add(Pattern.compile(re, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
          } catch (PatternSyntaxException ex) {
            problems.add(domain + "[" + i + "]: '" + e + "' is not a valid regular expression: " + ex.getDescription());
          }
        } else {
          List<String> words = TextIndex.wordsOf(e);
          if (!words.isEmpty()) {
            phrases.add(words);
            written.add(e);
          }
        }
      }
      compiled.put(domain, new Domain(List.copyOf(phrases), List.copyOf(regexes), List.copyOf(written)));
    });
    if (!problems.isEmpty()) throw new RuleSetException(problems);
    Map<String, List<String>> source = new LinkedHashMap<>();
    entriesByDomain.forEach((domain, entries) -> source.put(domain, List.copyOf(entries)));
    return new TaskPatterns(java.util.Collections.unmodifiableMap(source), compiled, longContextTokens, null);
  }

  Map<String, Domain> byDomain() {
    return byDomain;
  }

  int longContextTokens() {
    return longContextTokens;
  }
}
