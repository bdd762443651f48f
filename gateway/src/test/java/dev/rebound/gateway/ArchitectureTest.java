package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The gateway's package structure, read from its main sources (their imports and fully qualified names, comments and
 * string literals left out): its packages form no cycle, and only the wire package and its sub-packages branch on
 * the wire protocol. Each package counts on its own, sub-packages too ({@code wire.openai} is not {@code wire}).
 */
class ArchitectureTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final String ROOT = "dev.rebound.gateway";

  /**
   * Cycles present when this test was written (issue 15), written from the alphabetically first package. This list must
   * shrink to empty: a cycle not in it fails the test, and so does one in it that is gone, so that it is taken out.
   */
  private static final Set<String> KNOWN_CYCLES = Set.of();

  /**
   * Files outside the wire package that branch on {@code Protocol.OPENAI / ANTHROPIC} today (issue 15 moves each branch
   * into a dialect). This list must shrink to empty; a file that no longer branches fails the test until it is taken out.
   */
  private static final Set<String> KNOWN_PROTOCOL_BRANCHES = Set.of();

  /** A name in the gateway's packages: package segments are lower case, so the match stops at the first type name. */
  private static final Pattern GATEWAY_NAME = Pattern.compile("\\bdev\\.rebound\\.gateway(?:\\.[a-z_][a-z0-9_]*)+");
  private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  private static final Pattern PROTOCOL_BRANCH =
      Pattern.compile("\\bProtocol\\s*\\.\\s*(?:OPENAI|ANTHROPIC)\\b|\\bcase\\s+(?:OPENAI|ANTHROPIC)\\b");

  private record Source(String file, String pkg, String code) {}

  @Test
  void gatewayPackagesFormNoCyclesBeyondTheKnownOnes() {
    List<Source> sources = sources();
    Map<String, Map<String, Set<String>>> edges = dependencies(sources);
    List<List<String>> cycles = cycles(edges);
    StringBuilder unknown = new StringBuilder();
    Set<String> found = new TreeSet<>();
    for (List<String> cycle : cycles) {
      String name = String.join(" -> ", cycle);
      found.add(name);
      if (KNOWN_CYCLES.contains(name)) continue;
      unknown.append("\n  ").append(name);
      for (int i = 0; i + 1 < cycle.size(); i++) {
        String from = cycle.get(i);
        String to = cycle.get(i + 1);
        unknown.append("\n    ").append(from).append(" -> ").append(to).append(": ")
            .append(String.join(", ", edges.get(from).get(to)));
      }
    }
    if (unknown.length() > 0) fail("package cycles (each edge with the files that make it):" + unknown);
    Set<String> gone = new TreeSet<>(KNOWN_CYCLES);
    gone.removeAll(found);
    assertTrue(gone.isEmpty(), () -> "these cycles are gone: take them out of KNOWN_CYCLES: " + gone);
  }

  @Test
  void onlyTheWirePackageBranchesOnTheProtocol() {
    Map<String, List<Integer>> branching = new TreeMap<>();
    for (Source s : sources()) {
      if (s.pkg().equals(ROOT + ".wire") || s.pkg().startsWith(ROOT + ".wire.")) continue;
      Matcher m = PROTOCOL_BRANCH.matcher(s.code());
      while (m.find()) branching.computeIfAbsent(s.file(), f -> new ArrayList<>()).add(lineOf(s.code(), m.start()));
    }
    StringBuilder unknown = new StringBuilder();
    branching.forEach((file, lines) -> {
      if (!KNOWN_PROTOCOL_BRANCHES.contains(file)) unknown.append("\n  ").append(file).append(" lines ").append(lines);
    });
    if (unknown.length() > 0) {
      fail("Protocol.OPENAI / ANTHROPIC outside dev.rebound.gateway.wire (ask the wire format instead):" + unknown);
    }
    Set<String> gone = new TreeSet<>(KNOWN_PROTOCOL_BRANCHES);
    gone.removeAll(branching.keySet());
    assertTrue(gone.isEmpty(), () -> "these files no longer branch on the protocol: take them out of"
        + " KNOWN_PROTOCOL_BRANCHES: " + gone);
  }

  @Test
  void theCheckSeesReferencesInCodeButNotInCommentsOrStrings() {
    String code = code("""
        import dev.rebound.gateway.time.DurationText; // dev.rebound.gateway.http.X
        /* dev.rebound.gateway.pipeline.Y */ String s = "dev.rebound.gateway.admin.Z \\" // x";
        char c = '"'; var k = dev.rebound.gateway.failure.FailureKind.values();
        String t = \"""
            dev.rebound.gateway.sessions.W
            \""";
        """);
    List<String> names = new ArrayList<>();
    for (Matcher m = GATEWAY_NAME.matcher(code); m.find(); ) names.add(m.group());
    assertTrue(names.equals(List.of("dev.rebound.gateway.time", "dev.rebound.gateway.failure")), names::toString);
  }

  /** The main sources, each with its package and its code without comments and literals. */
  private static List<Source> sources() {
    Path base = SOURCES.resolve(ROOT.replace('.', '/'));
    try (Stream<Path> files = Files.walk(base)) {
      List<Source> out = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String code = code(Files.readString(file));
        Matcher pkg = PACKAGE.matcher(code);
        if (!pkg.find()) fail(file + " has no package declaration");
        out.add(new Source(base.relativize(file).toString().replace('\\', '/'), pkg.group(1), code));
      }
      assertTrue(out.size() > 50, () -> "found only " + out.size() + " sources under " + base.toAbsolutePath());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Package -> package it uses -> the files that use it; packages by their name below {@code dev.rebound.gateway}. */
  private static Map<String, Map<String, Set<String>>> dependencies(List<Source> sources) {
    Set<String> packages = new TreeSet<>();
    sources.forEach(s -> packages.add(s.pkg()));
    Map<String, Map<String, Set<String>>> edges = new TreeMap<>();
    for (Source s : sources) {
      Matcher m = GATEWAY_NAME.matcher(s.code());
      while (m.find()) {
        String target = longestPackage(m.group(), packages);
        if (target == null || target.equals(s.pkg())) continue;
        edges.computeIfAbsent(shortName(s.pkg()), k -> new TreeMap<>())
            .computeIfAbsent(shortName(target), k -> new TreeSet<>()).add(s.file());
      }
    }
    return edges;
  }

  private static String longestPackage(String name, Set<String> packages) {
    for (String n = name; n.contains("."); n = n.substring(0, n.lastIndexOf('.'))) {
      if (packages.contains(n)) return n;
    }
    return null;
  }

  private static String shortName(String pkg) {
    return pkg.equals(ROOT) ? "(root)" : pkg.substring(ROOT.length() + 1);
  }

  /**
   * Every elementary cycle, each once, starting and ending at its alphabetically first package: from each package,
   * walk only to packages after it, so that each cycle is found from its first one.
   */
  private static List<List<String>> cycles(Map<String, Map<String, Set<String>>> edges) {
    List<List<String>> out = new ArrayList<>();
    for (String start : edges.keySet()) {
      List<String> path = new ArrayList<>(List.of(start));
      walk(start, start, path, edges, out);
    }
    return out;
  }

  private static void walk(String start, String at, List<String> path, Map<String, Map<String, Set<String>>> edges,
      List<List<String>> out) {
    for (String next : edges.getOrDefault(at, Map.of()).keySet()) {
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        out.add(cycle);
      } else if (next.compareTo(start) > 0 && !path.contains(next)) {
        path.add(next);
        walk(start, next, path, edges, out);
        path.remove(path.size() - 1);
      }
    }
  }

  /** The source with comments, string, text block and char literals blanked out; line breaks are kept. */
  static String code(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("//", i)) {
        while (i < n && source.charAt(i) != '\n') i++;
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        i = blank(source, i, end < 0 ? n : end + 2, out);
      } else if (source.startsWith("\"\"\"", i)) {
        i = blank(source, i, literalEnd(source, i + 3, "\"\"\""), out);
      } else if (c == '"' || c == '\'') {
        i = blank(source, i, literalEnd(source, i + 1, String.valueOf(c)), out);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Where a literal that began before {@code from} ends, past its closing {@code quote} (escapes skipped). */
  private static int literalEnd(String source, int from, String quote) {
    for (int i = from; i < source.length(); i++) {
      if (source.charAt(i) == '\\') {
        i++;
      } else if (source.startsWith(quote, i)) {
        return i + quote.length();
      }
    }
    return source.length();
  }

  private static int blank(String source, int from, int to, StringBuilder out) {
    for (int i = from; i < to; i++) out.append(source.charAt(i) == '\n' ? '\n' : ' ');
    return to;
  }

  private static int lineOf(String code, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) if (code.charAt(i) == '\n') line++;
    return line;
  }
}
