package dev.rebound.gateway.failure;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A rule regex, run cheaply. Most dialect regexes are alternations of phrases ("overloaded|high demand|server
 * (?:is )?busy|..."); Java tries every branch at every position, which costs tens of microseconds per message.
 * When each top-level branch starts with a literal of 3+ characters, each branch is kept as its own regex behind a
 * String.contains check on its literal, so only branches whose first words occur in the text run at all. Otherwise
 * the whole regex runs as written. Either way the answer is the same as {@code pattern.matcher(text).find()}.
 */
final class TextPattern {
  private static final String META = "\\.[](){}*+?|^$";

  private record Branch(String literal, Pattern regex) {}

  private final Pattern pattern;
  private final List<Branch> branches; // null: no literal per branch, run the whole pattern

  TextPattern(Pattern pattern) {
    this.pattern = pattern;
    List<String> texts = topLevelBranches(pattern.pattern());
    List<String> literals = requiredLiterals(pattern.pattern());
    if (literals == null) {
      this.branches = null;
    } else {
      List<Branch> bs = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        bs.add(new Branch(literals.get(i), Pattern.compile(texts.get(i), pattern.flags())));
      }
      this.branches = List.copyOf(bs);
    }
  }

  boolean find(String text) {
    if (branches == null) return pattern.matcher(text).find();
    for (Branch b : branches) {
      if (text.contains(b.literal) && b.regex.matcher(text).find()) return true;
    }
    return false;
  }

  Pattern pattern() {
    return pattern;
  }

  /** The leading literal of every top-level branch, or null when some branch has none worth checking. */
  static List<String> requiredLiterals(String regex) {
    List<String> literals = new ArrayList<>();
    for (String branch : topLevelBranches(regex)) {
      String literal = leadingLiteral(branch);
      if (literal.length() < 3) return null;
      literals.add(literal);
    }
    return literals.isEmpty() ? null : List.copyOf(literals);
  }

  private static List<String> topLevelBranches(String regex) {
    List<String> branches = new ArrayList<>();
    int depth = 0;
    boolean inClass = false;
    int start = 0;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (inClass) {
        inClass = c != ']';
      } else if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '|' && depth == 0) {
        branches.add(regex.substring(start, i));
        start = i + 1;
      }
    }
    branches.add(regex.substring(start));
    return branches;
  }

  /**
   * Literal characters a match must start with: a leading \b is skipped, an escaped punctuation character is
   * itself (\( is "("), a quantified last character is dropped.
   */
  private static String leadingLiteral(String branch) {
    int i = branch.startsWith("\\b") ? 2 : 0;
    StringBuilder literal = new StringBuilder();
    for (; i < branch.length(); i++) {
      char c = branch.charAt(i);
      boolean escapedPunctuation =
          c == '\\' && i + 1 < branch.length() && !Character.isLetterOrDigit(branch.charAt(i + 1));
      if (escapedPunctuation && !quantified(branch, i + 2)) {
        literal.append(branch.charAt(++i));
        continue;
      }
      if (META.indexOf(c) >= 0) {
        if ((c == '?' || c == '*' || c == '{') && literal.length() > 0) literal.setLength(literal.length() - 1);
        break;
      }
      literal.append(c);
    }
    return literal.toString();
  }

  private static boolean quantified(String branch, int at) {
    return at < branch.length() && "?*{".indexOf(branch.charAt(at)) >= 0;
  }
}
