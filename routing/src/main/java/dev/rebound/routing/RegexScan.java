package dev.rebound.routing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts a regular expression's matches as {@code Matcher.find()} would, but tries the expression only where a match
 * can start. Which (previous character, character) pairs can start a match is worked out once, at compile, by asking
 * the expression itself: a pair that fails without reaching the end of the probe ({@link Matcher#hitEnd()}) cannot
 * start a match whatever follows. A dictionary's code expressions start at word starts, backticks or digits, so on
 * prose most positions are skipped by one table look-up instead of an attempt by the regex engine (about 100 ns a
 * character per expression on a busy machine).
 *
 * <p>Pairs outside ASCII are always tried. An expression the probe cannot judge from one character of context (a
 * lookbehind, {@code \G}) or that matches the empty string is scanned as {@code find()} does.
 */
final class RegexScan {
  private static final int ASCII = 128;
  /**
   * {@code startsAfter[prev * ASCII + c]}: a match may start at {@code c} after {@code prev}; prev {@code ASCII} stands
   * for "no previous character" (the start of the text). Flat, so the skip costs one load a character.
   */
  private final boolean[] startsAfter;
  private final Pattern pattern;

  private RegexScan(Pattern pattern, boolean[] startsAfter) {
    this.pattern = pattern;
    this.startsAfter = startsAfter;
  }

  static RegexScan of(Pattern pattern) {
    String source = pattern.pattern();
    if (source.contains("(?<") || source.contains("\\G") || pattern.matcher("").lookingAt()) return new RegexScan(pattern, null);
    boolean[] table = new boolean[(ASCII + 1) * ASCII];
    char[] probe = new char[2];
    Matcher m = pattern.matcher("");
    for (int prev = 0; prev <= ASCII; prev++) {
      for (int c = 0; c < ASCII; c++) {
        String text;
        int at;
        if (prev == ASCII) {
          text = String.valueOf((char) c);
          at = 0;
        } else {
          probe[0] = (char) prev;
          probe[1] = (char) c;
          text = new String(probe);
          at = 1;
        }
        m.reset(text);
        m.useTransparentBounds(true).useAnchoringBounds(false).region(at, text.length());
        table[prev * ASCII + c] = m.lookingAt() || m.hitEnd();
      }
    }
    return new RegexScan(pattern, table);
  }

  /** Matches of the expression in {@code text}, at most {@code limit}: the count {@code find()} would reach. */
  int count(String text, int limit) {
    int n = 0;
    if (startsAfter == null) {
      Matcher m = pattern.matcher(text);
      while (n < limit && m.find()) n++;
      return n;
    }
    boolean[] table = startsAfter;
    Matcher m = null;
    int len = text.length();
    int i = 0;
    int prev = ASCII;
    while (i < len && n < limit) {
      char c = text.charAt(i);
      if (c < ASCII && prev <= ASCII && !table[prev * ASCII + c]) {
        prev = c;
        i++;
        continue;
      }
      if (m == null) m = pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
      m.region(i, len);
      if (m.lookingAt()) {
        n++;
        i = Math.max(m.end(), i + 1);
      } else {
        i++;
      }
      prev = text.charAt(i - 1);
    }
    return n;
  }

  @Override
  public String toString() {
    return pattern.pattern();
  }
}
