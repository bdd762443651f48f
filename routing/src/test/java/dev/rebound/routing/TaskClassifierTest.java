package dev.rebound.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The task classifier, trained on the corpus' training split with the dictionaries shipped in conf/task-patterns.yaml,
 * measured on the held-back split it never saw. Prints precision and recall per kind of task, and the same figures
 * for the dictionaries alone.
 */
class TaskClassifierTest {
  /** Set from the measurement (held-back accuracy 0.948, 218 of 230, at the time of writing), a little below it. */
  static final double ACCURACY_FLOOR = 0.93;

  static final TaskPatterns DICTIONARIES = shippedDictionaries();
  static final TaskPatterns TRAINED = DICTIONARIES.withClassifier(List.of());

  @Test
  void classifiesTheHeldBackPromptsItNeverTrainedOnAboveTheFloor() {
    List<TaskExample> heldBack = TaskCorpus.heldBack();
    assertTrue(heldBack.size() >= 100, "held-back split: " + heldBack.size());
    double dictionaries = evaluate("dictionaries alone", new TaskAnalyzer(DICTIONARIES), heldBack);
    double classifier = evaluate("classifier", new TaskAnalyzer(TRAINED), heldBack);
    System.out.println(TRAINED.classifierSummary());
    assertTrue(classifier >= ACCURACY_FLOOR, "held-back accuracy " + classifier + " is below the floor " + ACCURACY_FLOOR);
    assertTrue(classifier > dictionaries, "the classifier should beat the dictionaries alone (" + dictionaries + ")");
  }

  @Test
  void theCorpusHasEnoughPromptsOfEveryKindAndAHeldBackShareOfEach() {
    Map<String, int[]> byLabel = new TreeMap<>();
    for (TaskCorpus.Entry e : TaskCorpus.bundled()) byLabel.computeIfAbsent(e.example().label(), k -> new int[2])[e.heldBack() ? 1 : 0]++;
    assertTrue(TaskCorpus.bundled().size() >= 400, "corpus size " + TaskCorpus.bundled().size());
    assertEquals(List.of("chat", "code", "data", "summarize", "translate", "vision"), List.copyOf(byLabel.keySet()));
    byLabel.forEach((label, n) -> {
      double share = n[1] / (double) (n[0] + n[1]);
      assertTrue(share >= 0.2 && share <= 0.3, label + " held back " + share);
    });
  }

  @Test
  void trainsAtLoadInAFractionOfASecond() {
    long t0 = System.nanoTime();
    TaskClassifier again = TaskClassifier.train(TaskCorpus.training(), DICTIONARIES.byDomain());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("training again (warm JVM): " + ms + " ms; " + again);
    assertTrue(ms < 2000, "training took " + ms + " ms");
  }

  @Test
  void explainsWhichFeaturesDecidedTheTask() {
    TaskFeatures f = new TaskAnalyzer(TRAINED).analyze(request(
        "Traceback (most recent call last):\n  File \"app.py\", line 3\nKeyError: 'port'\nwhy?", false));
    assertEquals("code", f.domain());
    assertTrue(f.scores().get("code") > 0.5, f.scores().toString());
    List<String> why = f.evidence();
    assertTrue(why.get(0).startsWith("classifier: code "), why.toString());
    assertTrue(why.get(1).startsWith("for code over ") && why.get(1).contains("+"), why.toString());
  }

  @Test
  void aStandingSystemPromptLeansTheTaskAndIsScoredOnce() {
    String system = "You are a translator. Translate every message the user sends into French.";
    RoutingRequest r = new RoutingRequest(Protocol.OPENAI, "auto", "/v1/chat/completions", "t", Map.of(), 30, false,
        false, system, "Good morning, the meeting is at ten.", null, 0.5);
    TaskAnalyzer analyzer = new TaskAnalyzer(TRAINED);
    assertEquals("translate", analyzer.analyze(r).domain());
    assertEquals("translate", analyzer.analyze(r).domain());
    assertEquals("chat", analyzer.analyze(request("Good morning, the meeting is at ten.", false)).domain());
  }

  @Test
  void learnsAUsersOwnTaskFromTheirExamplesInConfig() {
    List<TaskExample> legal = List.of(
        new TaskExample("legal", "Review this NDA clause and tell me the risks for us"),
        new TaskExample("legal", "Is this non-compete enforceable in California?"),
        new TaskExample("legal", "Draft an indemnification clause for a software licence agreement"),
        new TaskExample("legal", "What does force majeure cover in this contract?"),
        new TaskExample("legal", "Check this lease for clauses that are unfair to the tenant"),
        new TaskExample("legal", "Explain the liability cap in section 9 of this agreement"));
    TaskAnalyzer analyzer = new TaskAnalyzer(DICTIONARIES.withClassifier(legal));
    assertEquals("legal", analyzer.analyze(request("Can you review the termination clause in this contract?", false)).domain());
    assertEquals("code", analyzer.analyze(request("Write a Python function that parses ISO dates", false)).domain());
  }

  @Test
  void declaredTaskWinsOverTheClassifier() {
    RoutingRequest r = new RoutingRequest(Protocol.OPENAI, "auto", "/v1/chat/completions", "t",
        Map.of("x-rebound-task", "summarize"), 30, false, false, "", "def f(): pass", null, 0.5);
    TaskFeatures f = new TaskAnalyzer(TRAINED).analyze(r);
    assertEquals("summarize", f.domain());
    assertEquals(List.of("declared by x-rebound-task"), f.evidence());
  }

  static double evaluate(String name, TaskAnalyzer analyzer, List<TaskExample> examples) {
    Map<String, int[]> counts = new TreeMap<>(); // label -> [true positives, predicted, actual]
    List<String> wrong = new ArrayList<>();
    int right = 0;
    for (TaskExample e : examples) {
      String got = analyzer.analyze(request(e.text(), e.images())).domain();
      counts.computeIfAbsent(e.label(), k -> new int[3])[2]++;
      counts.computeIfAbsent(got, k -> new int[3])[1]++;
      if (got.equals(e.label())) {
        right++;
        counts.get(got)[0]++;
      } else {
        wrong.add("  " + e.label() + " taken for " + got + ": " + e.text().replace("\n", "\\n").substring(0, Math.min(90, e.text().length())));
      }
    }
    double accuracy = right / (double) examples.size();
    System.out.printf(Locale.ROOT, "%s: held-back accuracy %.3f (%d of %d)%n", name, accuracy, right, examples.size());
    counts.forEach((label, c) -> System.out.printf(Locale.ROOT, "  %-10s precision %.3f  recall %.3f  (%d held back)%n",
        label, c[1] == 0 ? 0 : c[0] / (double) c[1], c[2] == 0 ? 0 : c[0] / (double) c[2], c[2]));
    wrong.forEach(System.out::println);
    return accuracy;
  }

  static RoutingRequest request(String text, boolean images) {
    return new RoutingRequest(Protocol.OPENAI, "auto", "/v1/chat/completions", "t", Map.of(), Math.max(1, text.length() / 4),
        false, images, "", text, null, 0.5);
  }

  /**
   * conf/task-patterns.yaml, read with just enough YAML for its shape (routing has no YAML library; the gateway reads
   * the same file with Jackson).
   */
  static TaskPatterns shippedDictionaries() {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("..", "conf", "task-patterns.yaml"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Map<String, List<String>> domains = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : lines) {
      if (line.startsWith("  ") && !line.startsWith("    ") && line.trim().endsWith(":")) {
        current = new ArrayList<>();
        domains.put(line.trim().substring(0, line.trim().length() - 1), current);
      } else if (current != null && line.trim().startsWith("- ")) {
        String entry = line.trim().substring(2).trim();
        if (entry.startsWith("\"")) {
          StringBuilder b = new StringBuilder();
          for (int i = 1; i < entry.length(); i++) {
            char c = entry.charAt(i);
            if (c == '\\') b.append(entry.charAt(++i));
            else if (c == '"') break;
            else b.append(c);
          }
          entry = b.toString();
        } else if (entry.contains(" #")) {
          entry = entry.substring(0, entry.indexOf(" #")).trim();
        }
        current.add(entry);
      }
    }
    return TaskPatterns.compile(domains, 32_000);
  }
}
