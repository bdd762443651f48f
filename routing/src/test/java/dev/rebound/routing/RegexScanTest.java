package dev.rebound.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The skipping scan counts exactly what {@code Matcher.find()} counts, on every prompt of the corpus. */
class RegexScanTest {
  /** The regular expressions of conf/task-patterns.yaml, per domain, and a few shapes users write. */
  static final List<String> EXPRESSIONS = List.of(
      "(?-i:\\b[a-z]+[A-Z][a-z]+[A-Za-z]*\\b)|```[a-zA-Z+#-]*\\n|\\b(def|fn|func|public|private|static|const|let|var|import|return)\\s+[A-Za-z_]"
          + "|\\b\\w+\\.(py|java|js|ts|go|rs|cpp|c|h|kt|rb|php|cs|swift|sh|yaml|toml)\\b|(?-i:\\b[A-Z][a-zA-Z]+(Error|Exception)\\b)",
      "\\w+\\.(py|java|js|ts)\\b",
      "\\b(sum(marize|marise)|recap|condense)\\s+(this|the|these|it)\\b",
      "\\b(from|to) (English|French|German|Spanish|Italian|Portuguese|Japanese|Chinese|Korean|Russian|Arabic|Dutch|Polish|Turkish|Hindi)\\b",
      "\\b(sum|count|group) by\\b|(\\d+([.,]\\d+)?\\s*[,;\\t]\\s*){4,}",
      "^\\s*SELECT\\b", "(?m)^\\s*[-*] ", "\\bTODO$", "(?<=\\.)json", "x*", "ü[bB]ersetz", "\\$\\{[a-z]+\\}");

  @Test
  void countsWhatFindCountsOnEveryCorpusPrompt() {
    List<String> texts = new ArrayList<>();
    for (TaskCorpus.Entry e : TaskCorpus.bundled()) texts.add(e.example().text());
    texts.add("camelCase at the start");
    texts.add("élanVital Überfall überSetzung ${name} .json TODO");
    for (String source : EXPRESSIONS) {
      Pattern p = Pattern.compile(source, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
      RegexScan scan = RegexScan.of(p);
      for (String text : texts) {
        var m = p.matcher(text);
        int expected = 0;
        while (expected < 20 && m.find()) expected++;
        assertEquals(expected, scan.count(text, 20), () -> source + " on: " + text);
      }
    }
  }
}
