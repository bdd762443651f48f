package dev.rebound.routing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The labelled prompts shipped with Rebound ({@code tasks/corpus.jsonl}): one JSON object a line with {@code text},
 * {@code label}, {@code split} ({@code train} or {@code test}) and optionally {@code images: true}. The test split is
 * held back: the classifier never trains on it, so it measures how well the classifier does on prompts it has not seen.
 */
final class TaskCorpus {
  static final String RESOURCE = "/tasks/corpus.jsonl";

  record Entry(TaskExample example, boolean heldBack) {}

  private static volatile List<Entry> bundled;

  private TaskCorpus() {}

  static List<Entry> bundled() {
    List<Entry> b = bundled;
    if (b == null) {
      try (InputStream in = TaskCorpus.class.getResourceAsStream(RESOURCE)) {
        if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the routing jar");
        bundled = b = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return b;
  }

  static List<TaskExample> training() {
    return bundled().stream().filter(e -> !e.heldBack()).map(Entry::example).toList();
  }

  static List<TaskExample> heldBack() {
    return bundled().stream().filter(Entry::heldBack).map(Entry::example).toList();
  }

  static List<Entry> parse(String jsonl, String source) {
    List<Entry> out = new ArrayList<>();
    String[] lines = jsonl.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) continue;
      try {
        FlatJson o = new FlatJson(line);
        o.read();
        String split = o.string("split", "train");
        if (!split.equals("train") && !split.equals("test")) throw new IllegalArgumentException("split must be train or test");
        out.add(new Entry(new TaskExample(o.string("label", null), o.string("text", null), o.bool("images")),
            split.equals("test")));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(source + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }

  /** A reader for the corpus' one-level objects of strings and booleans: routing stays free of a JSON library. */
  private static final class FlatJson {
    private final String s;
    private int i;
    private final java.util.Map<String, Object> fields = new java.util.HashMap<>();

    FlatJson(String s) {
      this.s = s;
    }

    void read() {
      expect('{');
      skipSpace();
      if (peek() == '}') return;
      while (true) {
        skipSpace();
        String key = str();
        skipSpace();
        expect(':');
        skipSpace();
        Object value;
        if (peek() == '"') value = str();
        else if (s.startsWith("true", i)) { value = Boolean.TRUE; i += 4; }
        else if (s.startsWith("false", i)) { value = Boolean.FALSE; i += 5; }
        else throw new IllegalArgumentException("only strings and booleans are expected, at column " + (i + 1));
        fields.put(key, value);
        skipSpace();
        if (peek() == ',') { i++; continue; }
        expect('}');
        return;
      }
    }

    String string(String key, String otherwise) {
      Object v = fields.get(key);
      if (v == null && otherwise == null) throw new IllegalArgumentException("'" + key + "' is missing");
      if (v == null) return otherwise;
      if (!(v instanceof String t)) throw new IllegalArgumentException("'" + key + "' must be a string");
      return t;
    }

    boolean bool(String key) {
      return Boolean.TRUE.equals(fields.get(key));
    }

    private char peek() {
      if (i >= s.length()) throw new IllegalArgumentException("the line ends too early");
      return s.charAt(i);
    }

    private void expect(char c) {
      if (peek() != c) throw new IllegalArgumentException("expected '" + c + "' at column " + (i + 1));
      i++;
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private String str() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = peek();
        i++;
        if (c == '"') return b.toString();
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = peek();
        i++;
        switch (e) {
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'u' -> {
            if (i + 4 > s.length()) throw new IllegalArgumentException("bad \\u escape at column " + i);
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> b.append(e);
        }
      }
    }
  }
}
