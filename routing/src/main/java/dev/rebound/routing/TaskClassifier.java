package dev.rebound.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Which kind of task a prompt is, learned from labelled examples: a multinomial logistic regression over words, word
 * pairs, character 3- and 4-grams, the keyword dictionaries' hits, whether images came with the prompt, and its size.
 * Trained once, when the dictionaries are loaded (0.5-3 s on the bundled corpus on a busy 2-core machine). Scoring reads a bounded
 * head and tail of the prompt, looks features up in an open-addressing table of the ones seen in training (a feature
 * never seen carries no weight) and allocates almost nothing: a few microseconds a request.
 */
final class TaskClassifier {
  // how much of a prompt is read: a question usually opens or closes a long paste
  static final int HEAD_CHARS = 640;
  static final int TAIL_CHARS = 192;
  static final int HEAD_WORDS = 120;
  static final int TAIL_WORDS = 40;
  /** A standing system prompt says less about this request than the user's own words: its keyword hits count half. */
  static final float SYSTEM_WEIGHT = 0.5f;
  /** A dictionary domain with fewer examples than this learns from its own entries, as one-phrase examples. */
  static final int MIN_EXAMPLES = 5;

  /** Each group of features weighs about the same (halving or doubling one lowered held-back accuracy a little). */
  static final float CHAR_WEIGHT = 1f;
  static final float WORD_WEIGHT = 1f;
  static final float KW_WEIGHT = 1f;
  private static final int WORD = 1, PAIR = 2, CHAR3 = 3, CHAR4 = 4, SIGNAL = 5, PREFIX = 6;
  private static final int STEM = 5;
  private static final char GAP = '\u0001';

  private final String[] labels;
  private final int classes;
  /** Open addressing, key and row side by side (one cache line per look-up): hash at 2i, row at 2i+1, 0 = empty. */
  private final int[] slots;
  private final int mask;
  private final float[] weights;
  private final List<TaskPatterns.Domain> domains;
  private final int[] keywordHashes;
  private final String[] keywordNames;
  private final int examples;
  private final long trainingMillis;

  private TaskClassifier(String[] labels, Map<Integer, Integer> vocabulary, float[] weights,
      List<TaskPatterns.Domain> domains, String[] keywordNames, int examples, long trainingMillis) {
    this.labels = labels;
    this.classes = labels.length;
    int size = Integer.highestOneBit(Math.max(16, vocabulary.size() * 2)) << 1;
    this.slots = new int[2 * size];
    this.mask = size - 1;
    vocabulary.forEach((hash, row) -> {
      int i = hash & mask;
      while (slots[2 * i] != 0) i = (i + 1) & mask;
      slots[2 * i] = hash;
      slots[2 * i + 1] = row;
    });
    this.weights = weights;
    this.domains = domains;
    this.keywordNames = keywordNames;
    this.keywordHashes = new int[keywordNames.length];
    for (int d = 0; d < keywordNames.length; d++) keywordHashes[d] = signal("keywords:" + keywordNames[d]);
    this.examples = examples;
    this.trainingMillis = trainingMillis;
  }

  /**
   * Trains on examples and, for every dictionary domain with fewer than {@value #MIN_EXAMPLES} examples, on the
   * domain's own words and phrases, so a user's new domain is recognised before anyone labels prompts for it.
   */
  static TaskClassifier train(List<TaskExample> given, Map<String, TaskPatterns.Domain> dictionaries) {
    long t0 = System.nanoTime();
    List<TaskExample> all = new ArrayList<>(given);
    Map<String, Integer> perLabel = new HashMap<>();
    for (TaskExample e : given) perLabel.merge(e.label(), 1, Integer::sum);
    dictionaries.forEach((domain, d) -> {
      if (perLabel.getOrDefault(domain, 0) < MIN_EXAMPLES) for (String p : d.entries()) all.add(new TaskExample(domain, p));
    });
    // dictionary order first: ties go to the earlier domain, as they do for the dictionaries alone
    Set<String> labelSet = new LinkedHashSet<>();
    for (String domain : dictionaries.keySet()) if (all.stream().anyMatch(e -> e.label().equals(domain))) labelSet.add(domain);
    for (TaskExample e : all) labelSet.add(e.label());
    String[] labels = labelSet.toArray(String[]::new);
    List<TaskPatterns.Domain> domains = List.copyOf(dictionaries.values());
    String[] keywordNames = dictionaries.keySet().toArray(String[]::new);

    Map<Integer, Integer> vocabulary = new HashMap<>();
    int n = all.size();
    int[][] idx = new int[n][];
    float[][] val = new float[n][];
    int[] y = new int[n];
    List<String> labelList = List.of(labels);
    TaskClassifier shape = new TaskClassifier(labels, Map.of(), new float[0], domains, keywordNames, 0, 0);
    for (int k = 0; k < n; k++) {
      TaskExample e = all.get(k);
      Map<Integer, Float> x = new LinkedHashMap<>();
      TextIndex text = new TextIndex(e.text());
      shape.features(e.text(), text, e.images(), 1f, true, new Collect(x), null);
      idx[k] = new int[x.size()];
      val[k] = new float[x.size()];
      int j = 0;
      for (Map.Entry<Integer, Float> f : x.entrySet()) {
        idx[k][j] = vocabulary.computeIfAbsent(f.getKey(), h -> vocabulary.size());
        val[k][j++] = f.getValue();
      }
      y[k] = labelList.indexOf(e.label());
    }
    int c = labels.length;
    float[] w = new float[vocabulary.size() * c];
    double[] p = new double[c];
    int[] order = new int[n];
    for (int k = 0; k < n; k++) order[k] = k;
    Random random = new Random(19);
    // the decay was chosen by 4-fold cross-validation on the training split, never on the held-back one (3e-3:
    // 90.4 %, 1e-2: 92.2 %, 3e-2: 92.7 %, 6e-2: 91.7 %; 1e-4 was 88.7 % on an earlier corpus); more epochs changed nothing
    int epochs = 8;
    float rate0 = 1.2f;
    float decay = 3e-2f;
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (int k = n - 1; k > 0; k--) {
        int r = random.nextInt(k + 1);
        int t = order[k];
        order[k] = order[r];
        order[r] = t;
      }
      float rate = rate0 / (1 + 0.15f * epoch);
      for (int k : order) {
        int[] xi = idx[k];
        float[] xv = val[k];
        softmax(w, xi, xv, c, p);
        for (int j = 0; j < xi.length; j++) {
          int base = xi[j] * c;
          for (int cl = 0; cl < c; cl++) {
            double g = p[cl] - (cl == y[k] ? 1 : 0);
            // the decay keeps rare n-grams from memorising their one example
            w[base + cl] -= rate * (g * xv[j] + decay * w[base + cl]);
          }
        }
      }
    }
    return new TaskClassifier(labels, vocabulary, w, domains, keywordNames, n, (System.nanoTime() - t0) / 1_000_000);
  }

  private static void softmax(float[] w, int[] xi, float[] xv, int c, double[] p) {
    java.util.Arrays.fill(p, 0);
    for (int j = 0; j < xi.length; j++) {
      int base = xi[j] * c;
      for (int cl = 0; cl < c; cl++) p[cl] += w[base + cl] * xv[j];
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double v : p) max = Math.max(max, v);
    double sum = 0;
    for (int cl = 0; cl < c; cl++) sum += p[cl] = Math.exp(p[cl] - max);
    for (int cl = 0; cl < c; cl++) p[cl] /= sum;
  }

  List<String> labels() {
    return List.of(labels);
  }

  int examples() {
    return examples;
  }

  long trainingMillis() {
    return trainingMillis;
  }

  int features() {
    return weights.length / Math.max(1, classes);
  }

  /** Probabilities per label (in {@link #labels()} order) for a request's last user message and system prompt. */
  double[] probabilities(String userText, TextIndex user, boolean images, TextIndex system) {
    float[] z = new float[classes];
    features(userText, user, images, 1f, true, new Scorer(z), null);
    if (!system.head.isEmpty()) {
      // not computeIfAbsent: scoring counts the dictionaries' hits, which are remembered in the same map
      float[] s = (float[]) system.memo.get(this);
      if (s == null) {
        s = new float[classes];
        // only its dictionary hits: the n-grams' weights were learned on users' messages, and a system prompt's
        // "you are a helpful assistant" would read as chat whatever the assistant is for
        features(system.head, system, false, SYSTEM_WEIGHT, false, new Scorer(s), null);
        system.memo.putIfAbsent(this, s);
      }
      for (int c = 0; c < classes; c++) z[c] += s[c];
    }
    double[] p = new double[classes];
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) max = Math.max(max, v);
    double sum = 0;
    for (int c = 0; c < classes; c++) sum += p[c] = Math.exp(z[c] - max);
    for (int c = 0; c < classes; c++) p[c] /= sum;
    return p;
  }

  /**
   * Why the winner beat the runner-up: the features of the user's message that pushed most towards it, with the
   * weight each added ({@code "traceback" +0.84}). Names are built here only: explaining is rare, scoring is not.
   */
  String decidingFeatures(String userText, TextIndex user, boolean images, int winner, int runnerUp, int limit) {
    Map<Integer, Float> value = new HashMap<>();
    Map<Integer, String> names = new HashMap<>();
    features(userText, user, images, 1f, true, new Collect(value), names);
    List<Map.Entry<String, Float>> pushes = new ArrayList<>();
    Map<String, Float> byName = new HashMap<>();
    value.forEach((h, v) -> {
      int row = row(h);
      if (row < 0) return;
      float push = v * (weights[row * classes + winner] - weights[row * classes + runnerUp]);
      byName.merge(names.get(h), push, Float::sum);
    });
    pushes.addAll(byName.entrySet());
    pushes.sort(Comparator.comparingDouble((Map.Entry<String, Float> e) -> -e.getValue()));
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Float> e : pushes) {
      if (out.size() == limit || e.getValue() <= 0.005f) break;
      out.add(e.getKey() + String.format(Locale.ROOT, " %+.2f", e.getValue()));
    }
    return String.join(", ", out);
  }

  private int row(int h) {
    int i = h & mask;
    while (true) {
      int k = slots[2 * i];
      if (k == h) return slots[2 * i + 1];
      if (k == 0) return -1;
      i = (i + 1) & mask;
    }
  }

  interface Sink {
    void add(int hash, float value);
  }

  /**
   * Sums each feature's values (training, explain). One class for both, so the feature code's calls to a sink see two
   * classes, this and {@link Scorer}, and stay inlined on the hot path instead of going through an interface stub.
   */
  private static final class Collect implements Sink {
    private final Map<Integer, Float> values;

    Collect(Map<Integer, Float> values) {
      this.values = values;
    }

    @Override
    public void add(int hash, float value) {
      values.merge(hash, value, Float::sum);
    }
  }

  /** Adds each feature's weights to the logits: the hot path. */
  private final class Scorer implements Sink {
    private final float[] z;

    Scorer(float[] z) {
      this.z = z;
    }

    @Override
    public void add(int hash, float value) {
      int r = row(hash);
      if (r < 0) return;
      int base = r * classes;
      for (int c = 0; c < classes; c++) z[c] += weights[base + c] * value;
    }
  }

  /**
   * The features of a text, each group scaled to about unit length so a long paste does not shout down a short
   * question. {@code names}, when given, receives a readable name per feature (for explain).
   */
  private void features(String text, TextIndex index, boolean images, float scale, boolean signals, Sink sink,
      Map<Integer, String> names) {
    if (signals) ngrams(text, index, scale, sink, names);
    keywords(index, scale, sink, names);
    if (signals) signals(text, images, sink, names);
  }

  private static void ngrams(String text, TextIndex index, float scale, Sink sink, Map<Integer, String> names) {
    List<String> words = index.words;
    int nw = words.size();
    int headEnd = Math.min(nw, HEAD_WORDS);
    int tailStart = Math.max(headEnd, nw - TAIL_WORDS);
    int used = headEnd + (nw - tailStart);
    if (used > 0) {
      float v = WORD_WEIGHT * scale / (float) Math.sqrt(used);
      wordRange(words, 0, headEnd, v, sink, names);
      wordRange(words, tailStart, nw, v, sink, names);
    }
    chars(text, scale, sink, names);
  }

  private void keywords(TextIndex index, float scale, Sink sink, Map<Integer, String> names) {
    for (int d = 0; d < domains.size(); d++) {
      int hits = domains.get(d).count(index);
      if (hits == 0) continue;
      sink.add(keywordHashes[d], KW_WEIGHT * scale * (float) Math.log1p(hits));
      if (names != null) names.putIfAbsent(keywordHashes[d], "keywords:" + keywordNames[d]);
    }
  }

  private static void signals(String text, boolean images, Sink sink, Map<Integer, String> names) {
    signal(sink, BIAS, "(prior)", names);
    int start = 0;
    int end = text.length();
    while (start < end && Character.isWhitespace(text.charAt(start))) start++;
    while (end > start && Character.isWhitespace(text.charAt(end - 1))) end--;
    int length = end - start;
    int size = length <= 24 ? 0 : length <= 80 ? 1 : length <= 400 ? 2 : 3;
    signal(sink, SIZES[size], SIZE_NAMES[size], names);
    int lines = 0;
    for (int i = start, stop = Math.min(end, 4096); i < stop && lines < 4; i++) if (text.charAt(i) == '\n') lines++;
    if (lines >= 4) signal(sink, MULTILINE, "several lines", names);
    if (images) signal(sink, IMAGES, "images attached", names);
  }

  private static final int BIAS = signal("bias");
  private static final int MULTILINE = signal("multiline");
  private static final int IMAGES = signal("images");
  private static final String[] SIZE_NAMES = {"size: tiny", "size: short", "size: medium", "size: long"};
  private static final int[] SIZES = {signal("size:tiny"), signal("size:short"), signal("size:medium"), signal("size:long")};

  private static void signal(Sink sink, int hash, String name, Map<Integer, String> names) {
    sink.add(hash, 1f);
    if (names != null) names.putIfAbsent(hash, name);
  }

  private static void wordRange(List<String> words, int from, int to, float v, Sink sink, Map<Integer, String> names) {
    int prev = 0;
    for (int k = from; k < to; k++) {
      String w = words.get(k);
      int h = mix(w.hashCode(), WORD);
      sink.add(h, v);
      if (names != null) names.putIfAbsent(h, '"' + w + '"');
      if (w.length() >= STEM) {
        // the first letters of a longer word stand for its family (translat-, summar-, analys-), unseen forms too
        int stem = 0;
        for (int i = 0; i < STEM; i++) stem = stem * 31 + w.charAt(i);
        stem = mix(stem, PREFIX);
        sink.add(stem, v);
        if (names != null) names.putIfAbsent(stem, '"' + w.substring(0, STEM) + "-\"");
      }
      if (k > from) {
        int pair = mix(prev * 0x01000193 + h, PAIR);
        sink.add(pair, v);
        if (names != null) names.putIfAbsent(pair, '"' + words.get(k - 1) + ' ' + w + '"');
      }
      prev = h;
    }
  }

  /** Character 3- and 4-grams of the lower-cased text, digits folded to 0 and runs of spaces to one. */
  private static void chars(String text, float scale, Sink sink, Map<Integer, String> names) {
    int len = text.length();
    boolean cut = len > HEAD_CHARS + TAIL_CHARS;
    char[] buf = new char[(cut ? HEAD_CHARS + TAIL_CHARS + 1 : len) + 2];
    int n = 0;
    buf[n++] = ' ';
    n = normalise(text, 0, cut ? HEAD_CHARS : len, buf, n);
    if (cut) {
      buf[n++] = GAP;
      n = normalise(text, len - TAIL_CHARS, len, buf, n);
    }
    if (buf[n - 1] != ' ') buf[n++] = ' ';
    int grams = Math.max(1, 2 * n - 5);
    float v = CHAR_WEIGHT * scale / (float) Math.sqrt(grams);
    for (int i = 0; i + 3 <= n; i++) {
      char a = buf[i], b = buf[i + 1], c = buf[i + 2];
      if (a == GAP || b == GAP || c == GAP) continue;
      int h3 = (a * 31 + b) * 31 + c;
      int g3 = mix(h3, CHAR3);
      sink.add(g3, v);
      if (names != null) names.putIfAbsent(g3, quoteChars(buf, i, 3));
      if (i + 4 > n || buf[i + 3] == GAP) continue;
      int g4 = mix(h3 * 31 + buf[i + 3], CHAR4);
      sink.add(g4, v);
      if (names != null) names.putIfAbsent(g4, quoteChars(buf, i, 4));
    }
  }

  private static int normalise(String text, int from, int to, char[] buf, int n) {
    for (int i = from; i < to; i++) {
      char ch = text.charAt(i);
      if (ch == '\r') continue;
      if (ch == '\t' || (ch != '\n' && Character.isWhitespace(ch))) ch = ' ';
      else if (ch >= '0' && ch <= '9') ch = '0';
      else ch = Character.toLowerCase(ch);
      if (ch == ' ' && buf[n - 1] == ' ') continue;
      buf[n++] = ch;
    }
    return n;
  }

  private static String quoteChars(char[] buf, int at, int len) {
    return "'" + new String(buf, at, len).replace("\n", "\\n") + "'";
  }

  private static int signal(String name) {
    return mix(name.hashCode(), SIGNAL);
  }

  /** murmur3's finaliser over the n-gram's hash and its kind; 0 is kept for the table's empty slots. */
  private static int mix(int h, int kind) {
    h ^= kind * 0x9E3779B9;
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    h ^= h >>> 16;
    return h == 0 ? 1 : h;
  }

  @Override
  public String toString() {
    return "task classifier: " + classes + " kinds " + List.of(labels) + ", " + examples + " examples, " + features()
        + " features, trained in " + trainingMillis + " ms";
  }
}
