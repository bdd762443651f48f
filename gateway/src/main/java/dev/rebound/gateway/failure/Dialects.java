package dev.rebound.gateway.failure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rebound.gateway.time.DurationText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The provider dialect data of {@code failure-dialects.yaml}, validated and compiled once. A typo in the file
 * fails loading with the rule's id in the message, so a bad edit never reaches a running gateway.
 */
public final class Dialects {
  public static final String RESOURCE = "failure-dialects.yaml";
  /** "{N}" in a regex stands for a token count such as 131072 or 20,000. */
  private static final String TOKEN_COUNT = "\\d[\\d,]*";
  /** Patterns are lowercased and matched against lowercased text: much faster than CASE_INSENSITIVE. */
  private static final int FLAGS = Pattern.DOTALL;
  private static final Set<String> TOP_KEYS = Set.of("version", "typeHeaders", "retryPatterns", "extractors",
      "rules", "fallbacks");
  private static final Set<String> RULE_KEYS = Set.of("id", "dialect", "status", "code", "type", "errorStatus",
      "ids", "message", "details", "minRetryAfter", "kind", "numbers", "why");

  private final List<String> typeHeaders;
  private final List<Pattern> retryPatterns;
  private final List<TokenExtractor> extractorList;
  private final List<DialectRule> rules;
  private final Map<String, FailureKind> fallbacks;

  private Dialects(List<String> typeHeaders, List<Pattern> retryPatterns, Map<String, TokenExtractor> extractors,
                   List<DialectRule> rules, Map<String, FailureKind> fallbacks) {
    this.typeHeaders = List.copyOf(typeHeaders);
    this.retryPatterns = List.copyOf(retryPatterns);
    this.extractorList = List.copyOf(extractors.values());
    this.rules = List.copyOf(rules);
    this.fallbacks = Map.copyOf(fallbacks);
  }

  public static Dialects loadDefault() {
    try (InputStream in = Dialects.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      return load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Dialects load(InputStream yaml) throws IOException {
    return fromTree(new ObjectMapper(new YAMLFactory()).readTree(yaml));
  }

  List<String> typeHeaders() { return typeHeaders; }

  List<Pattern> retryPatterns() { return retryPatterns; }

  List<DialectRule> rules() { return rules; }

  /** Every extractor, in file order. */
  List<TokenExtractor> extractors() { return extractorList; }

  /** What the HTTP status alone says when no rule matched: exact code, then its class (4xx), then "other". */
  public FailureKind fallbackFor(int status) {
    FailureKind k = fallbacks.get(Integer.toString(status));
    if (k == null) k = fallbacks.get((status / 100) + "xx");
    return k != null ? k : fallbacks.getOrDefault("other", FailureKind.SERVER_ERROR);
  }

  private static Dialects fromTree(JsonNode root) {
    if (root == null || !root.isObject()) throw new IllegalArgumentException(RESOURCE + ": expected a mapping");
    checkKeys(root, TOP_KEYS, RESOURCE);
    List<String> typeHeaders = strings(root.get("typeHeaders"));
    List<Pattern> retryPatterns = strings(root.get("retryPatterns")).stream()
        .map(r -> compile(r, "retryPatterns")).toList();

    Map<String, TokenExtractor> extractors = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("extractors").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      extractors.put(e.getKey(), extractor(e.getKey(), e.getValue()));
    }

    List<DialectRule> rules = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode r : root.path("rules")) {
      DialectRule rule = rule(r, extractors);
      if (!seen.add(rule.id())) throw new IllegalArgumentException("rule " + rule.id() + " is defined twice");
      rules.add(rule);
    }

    Map<String, FailureKind> fallbacks = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("fallbacks").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      fallbacks.put(e.getKey().toLowerCase(Locale.ROOT), kind(e.getValue().asText(), "fallbacks." + e.getKey()));
    }
    return new Dialects(typeHeaders, retryPatterns, extractors, rules, fallbacks);
  }

  private static TokenExtractor extractor(String name, JsonNode spec) {
    if (spec.hasNonNull("regex")) return TokenExtractor.ofRegex(name, compile(spec.get("regex").asText(), name));
    if (spec.path("fields").isObject()) {
      Map<String, String> fields = new LinkedHashMap<>();
      spec.get("fields").fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText()));
      return TokenExtractor.ofFields(name, fields);
    }
    throw new IllegalArgumentException("extractor " + name + ": needs regex or fields");
  }

  private static DialectRule rule(JsonNode r, Map<String, TokenExtractor> extractors) {
    String id = r.path("id").asText(null);
    if (id == null || id.isBlank()) throw new IllegalArgumentException("a rule has no id: " + r);
    checkKeys(r, RULE_KEYS, "rule " + id);
    if (!r.hasNonNull("kind")) throw new IllegalArgumentException("rule " + id + ": kind is missing");

    List<TokenExtractor> numbers = null;
    if (r.has("numbers")) {
      numbers = new ArrayList<>();
      for (String name : strings(r.get("numbers"))) {
        TokenExtractor e = extractors.get(name);
        if (e == null) throw new IllegalArgumentException("rule " + id + ": unknown extractor " + name);
        numbers.add(e);
      }
    }
    Duration minRetryAfter = r.hasNonNull("minRetryAfter") ? DurationText.parse(r.get("minRetryAfter").asText()) : null;
    return new DialectRule(id, r.path("dialect").asText(null), status(r.get("status"), id),
        lower(r.get("code")), lower(r.get("type")), lower(r.get("errorStatus")), lower(r.get("ids")),
        r.hasNonNull("message") ? new TextPattern(compile(r.get("message").asText(), id)) : null,
        r.hasNonNull("details") ? new TextPattern(compile(r.get("details").asText(), id)) : null,
        minRetryAfter, kind(r.get("kind").asText(), id), numbers);
  }

  private static DialectRule.StatusMatch status(JsonNode node, String id) {
    if (node == null || node.isNull()) return DialectRule.StatusMatch.ANY;
    Set<Integer> exact = new HashSet<>();
    Set<Integer> classes = new HashSet<>();
    for (String s : strings(node)) {
      if (s.matches("\\d{3}")) {
        exact.add(Integer.parseInt(s));
      } else if (s.matches("[1-5]xx")) {
        classes.add(s.charAt(0) - '0');
      } else {
        throw new IllegalArgumentException("rule " + id + ": bad status " + s + " (use 429 or 4xx)");
      }
    }
    return new DialectRule.StatusMatch(Set.copyOf(exact), Set.copyOf(classes));
  }

  private static FailureKind kind(String name, String where) {
    try {
      return FailureKind.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": unknown kind " + name);
    }
  }

  private static Pattern compile(String regex, String where) {
    try {
      return Pattern.compile(lowerLiterals(regex.replace("{N}", TOKEN_COUNT)), FLAGS);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(where + ": bad regex: " + e.getMessage(), e);
    }
  }

  /**
   * Lowercases a regex except the character after a backslash, so \S, \D, \W, \B keep their meaning.
   * Constructs whose letters matter elsewhere (\p{Lu}) are refused rather than silently changed.
   */
  static String lowerLiterals(String regex) {
    if (regex.contains("\\p{") || regex.contains("\\P{")) {
      throw new IllegalArgumentException("\\p{...} classes are not supported in dialect regexes");
    }
    StringBuilder out = new StringBuilder(regex.length());
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\' && i + 1 < regex.length()) {
        out.append(c).append(regex.charAt(++i));
      } else {
        out.append(Character.toLowerCase(c));
      }
    }
    return out.toString();
  }

  private static void checkKeys(JsonNode node, Set<String> allowed, String where) {
    node.fieldNames().forEachRemaining(k -> {
      if (!allowed.contains(k)) throw new IllegalArgumentException(where + ": unknown key '" + k + "'");
    });
  }

  private static List<String> strings(JsonNode node) {
    if (node == null || node.isNull()) return List.of();
    if (!node.isArray()) return List.of(node.asText());
    List<String> out = new ArrayList<>();
    node.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Set<String> lower(JsonNode node) {
    Set<String> out = new HashSet<>();
    strings(node).forEach(s -> out.add(s.toLowerCase(Locale.ROOT)));
    return Set.copyOf(out);
  }
}
