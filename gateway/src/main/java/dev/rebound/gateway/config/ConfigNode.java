package dev.rebound.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.rebound.gateway.time.DurationText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cursor over the parsed YAML that knows its key path ({@code routes[2].agents[0]}) and records every problem it
 * meets instead of stopping at the first, so a config is fixed in one round. Scalars are interpolated
 * ({@code ${VAR}}, {@code ${VAR:-default}}) as they are read.
 */
final class ConfigNode {
  private final JsonNode node;
  private final String path;
  private final ConfigProblems problems;
  private final Interpolation interpolation;

  ConfigNode(JsonNode node, String path, ConfigProblems problems, Interpolation interpolation) {
    this.node = node == null ? MissingNode.getInstance() : node;
    this.path = path;
    this.problems = problems;
    this.interpolation = interpolation;
  }

  String path() {
    return path;
  }

  boolean isMissing() {
    return node.isMissingNode() || node.isNull();
  }

  ConfigNode get(String key) {
    return new ConfigNode(node.path(key), path.isEmpty() ? key : path + "." + key, problems, interpolation);
  }

  void problem(String message) {
    problems.add(path, message);
  }

  /** Flags keys that are not among {@code known}; a typo in a key is a problem, not a silently ignored setting. */
  void allowOnly(String... known) {
    if (!node.isObject()) return;
    Set<String> allowed = Set.of(known);
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        get(name).problem("unknown key (known here: " + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
    }
  }

  /** The keys of a mapping, in file order; empty for anything else. */
  List<String> keys() {
    List<String> out = new ArrayList<>();
    if (node.isObject()) node.fieldNames().forEachRemaining(out::add);
    return out;
  }

  boolean expectObject() {
    if (isMissing() || node.isObject()) return true;
    problem("expected a mapping of keys, got " + describe());
    return false;
  }

  List<ConfigNode> list() {
    List<ConfigNode> out = new ArrayList<>();
    if (isMissing()) return out;
    if (!node.isArray()) {
      problem("expected a list, got " + describe());
      return out;
    }
    for (int i = 0; i < node.size(); i++) {
      out.add(new ConfigNode(node.get(i), path + "[" + i + "]", problems, interpolation));
    }
    return out;
  }

  /** The scalar as text after interpolation; null when missing. */
  String text() {
    if (isMissing()) return null;
    if (!node.isValueNode()) {
      problem("expected a single value, got " + describe());
      return null;
    }
    return interpolation.apply(node.asText(), this);
  }

  String text(String fallback) {
    String t = text();
    return t == null ? fallback : t;
  }

  String requiredText() {
    String t = text();
    if (t == null || t.isBlank()) {
      if (isMissing()) problem("is required");
      else problem("must not be empty");
      return null;
    }
    return t;
  }

  List<String> textList() {
    List<String> out = new ArrayList<>();
    for (ConfigNode item : list()) {
      String t = item.text();
      if (t != null) out.add(t);
    }
    return out;
  }

  Map<String, String> textMap() {
    Map<String, String> out = new LinkedHashMap<>();
    if (isMissing()) return out;
    if (!node.isObject()) {
      problem("expected a mapping of names to values, got " + describe());
      return out;
    }
    node.fieldNames().forEachRemaining(name -> {
      String v = get(name).text();
      if (v != null) out.put(name, v);
    });
    return out;
  }

  long integer(long fallback, long min, long max) {
    String t = text();
    if (t == null) return fallback;
    long v;
    try {
      v = Long.parseLong(t.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      problem("'" + t + "' is not a whole number");
      return fallback;
    }
    if (v < min || v > max) {
      problem(v + " is out of range (" + min + " to " + max + ")");
      return fallback;
    }
    return v;
  }

  double number(double fallback, double min, double max) {
    String t = text();
    if (t == null) return fallback;
    double v;
    try {
      v = Double.parseDouble(t.trim());
    } catch (NumberFormatException e) {
      problem("'" + t + "' is not a number");
      return fallback;
    }
    if (v < min || v > max) {
      problem(t + " is out of range (" + min + " to " + max + ")");
      return fallback;
    }
    return v;
  }

  boolean bool(boolean fallback) {
    String t = text();
    if (t == null) return fallback;
    return switch (t.trim().toLowerCase()) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> {
        problem("'" + t + "' is not true or false");
        yield fallback;
      }
    };
  }

  Duration duration(Duration fallback) {
    String t = text();
    if (t == null) return fallback;
    try {
      Duration d = DurationText.parse(t);
      if (d.isNegative()) throw new IllegalArgumentException("'" + t + "' is negative");
      return d;
    } catch (IllegalArgumentException e) {
      problem(e.getMessage());
      return fallback;
    }
  }

  /** A duration that must be more than zero (a timeout of 0 would close everything at once). */
  Duration positiveDuration(Duration fallback) {
    String t = text();
    Duration d = duration(fallback);
    if (t != null && d.isZero()) {
      problem("'" + t + "' must be more than 0");
      return fallback;
    }
    return d;
  }

  /** One of {@code choices}, compared case-insensitively; returned in the spelling of the choice. */
  String oneOf(String fallback, String... choices) {
    String t = text();
    if (t == null) return fallback;
    for (String c : choices) if (c.equalsIgnoreCase(t.trim())) return c;
    problem("'" + t + "' is not one of " + String.join(", ", choices));
    return fallback;
  }

  private String describe() {
    if (node.isArray()) return "a list";
    if (node.isObject()) return "a mapping";
    return "'" + node.asText() + "'";
  }
}
