package dev.rebound.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The words of a text, lower-cased, in order, with counts: built in one pass so that every dictionary and keyword
 * check afterwards is a hash lookup instead of a regex scan. Only the head of a long text is read.
 *
 * <p>Words keep the inner punctuation that names things ({@code c++}, {@code node.js}, {@code tl;dr},
 * {@code null-pointer}) and lose the punctuation that ends sentences.
 */
final class TextIndex {
  static final int SCAN_CHARS = 8192;
  static final TextIndex EMPTY = new TextIndex("");

  final String head;
  final List<String> words = new ArrayList<>();
  final Map<String, Integer> counts = new HashMap<>();
  /** Per-dictionary counts and classifier scores, remembered: a cached system prompt is analysed once, not every turn. */
  final Map<Object, Object> memo = new java.util.concurrent.ConcurrentHashMap<>();

  TextIndex(String text) {
    this.head = text.length() <= SCAN_CHARS ? text : text.substring(0, SCAN_CHARS);
    int n = head.length();
    int i = 0;
    while (i < n) {
      while (i < n && !isWordChar(head.charAt(i))) i++;
      int start = i;
      while (i < n && (isWordChar(head.charAt(i)) || isInner(head.charAt(i)))) i++;
      int end = i;
      while (end > start && isInner(head.charAt(end - 1)) && head.charAt(end - 1) != '+' && head.charAt(end - 1) != '#') end--;
      if (end > start) {
        String w = head.substring(start, end).toLowerCase(Locale.ROOT);
        words.add(w);
        counts.merge(w, 1, Integer::sum);
      }
    }
  }

  private static final int CACHE_SIZE = 256;
  private static final Map<String, TextIndex> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The index of a text that recurs from request to request (a session's system prompt), from a small cache.
   * Cleared whole when full: simple, and a working set of system prompts is small. Keyed by the head the index reads,
   * so an entry never holds more of a (client-sent, possibly huge) text than {@value #SCAN_CHARS} characters.
   */
  static TextIndex ofRecurring(String text) {
    if (text.isEmpty()) return EMPTY;
    String head = text.length() <= SCAN_CHARS ? text : text.substring(0, SCAN_CHARS);
    TextIndex cached = CACHE.get(head);
    if (cached != null) return cached;
    TextIndex fresh = new TextIndex(head);
    if (CACHE.size() >= CACHE_SIZE) CACHE.clear();
    CACHE.put(head, fresh);
    return fresh;
  }

  /** Entries in the recurring-text cache (at most {@value #CACHE_SIZE}). */
  static int cached() {
    return CACHE.size();
  }

  /** Words of an entry as the index would cut them ("stack trace" -> [stack, trace]). */
  static List<String> wordsOf(String entry) {
    return new TextIndex(entry).words;
  }

  /** How often a sequence of words occurs (a single word: its count). */
  int count(List<String> phrase) {
    if (phrase.isEmpty()) return 0;
    if (phrase.size() == 1) return counts.getOrDefault(phrase.get(0), 0);
    Integer first = counts.get(phrase.get(0));
    if (first == null) return 0;
    int found = 0;
    outer:
    for (int i = 0; i + phrase.size() <= words.size(); i++) {
      for (int j = 0; j < phrase.size(); j++) if (!words.get(i + j).equals(phrase.get(j))) continue outer;
      found++;
    }
    return found;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static boolean isInner(char c) {
    return c == '.' || c == '+' || c == '#' || c == ';' || c == '-' || c == '\'';
  }
}
