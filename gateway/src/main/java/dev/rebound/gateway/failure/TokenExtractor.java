package dev.rebound.gateway.failure;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A named way to read token numbers out of an overflow error: a regex over the message with named groups
 * {@code limit}, {@code prompt}, {@code prompt2} (more input, e.g. tool tokens), {@code output}, {@code requested};
 * or JSON fields of the error object (llama.cpp's n_ctx / n_prompt_tokens).
 */
final class TokenExtractor {
  static final List<String> ROLES = List.of("limit", "prompt", "prompt2", "output", "requested");

  private final String name;
  private final Pattern regex;
  private final Map<String, String> fields;
  private final Set<String> groups; // named groups the regex defines, found once so extraction never probes

  private TokenExtractor(String name, Pattern regex, Map<String, String> fields) {
    this.name = name;
    this.regex = regex;
    this.fields = Map.copyOf(fields);
    this.groups = regex == null ? Set.of()
        : ROLES.stream().filter(g -> regex.pattern().contains("(?<" + g + ">")).collect(Collectors.toUnmodifiableSet());
  }

  static TokenExtractor ofRegex(String name, Pattern regex) {
    TokenExtractor e = new TokenExtractor(name, regex, Map.of());
    if (e.groups.isEmpty()) throw new IllegalArgumentException("extractor " + name + ": no named group of " + ROLES);
    return e;
  }

  static TokenExtractor ofFields(String name, Map<String, String> fields) {
    for (String role : fields.keySet()) {
      if (!ROLES.contains(role)) throw new IllegalArgumentException("extractor " + name + ": unknown role " + role);
    }
    return new TokenExtractor(name, null, fields);
  }

  String name() {
    return name;
  }

  TokenCounts extract(Evidence e) {
    return regex != null ? fromRegex(e.text()) : fromFields(e.body());
  }

  private TokenCounts fromRegex(String text) {
    Matcher m = regex.matcher(text);
    if (!m.find()) return TokenCounts.NONE;
    Integer prompt = group(m, "prompt");
    Integer more = group(m, "prompt2");
    if (more != null) prompt = prompt == null ? more : (int) Math.min(Integer.MAX_VALUE, (long) prompt + more);
    return new TokenCounts(group(m, "limit"), prompt, group(m, "output"), group(m, "requested"));
  }

  private TokenCounts fromFields(ErrorBody body) {
    return new TokenCounts(
        field(body, "limit"), field(body, "prompt"), field(body, "output"), field(body, "requested"));
  }

  private Integer field(ErrorBody body, String role) {
    String field = fields.get(role);
    Double v = field == null ? null : body.number(field);
    return v == null || v < 0 || v > Integer.MAX_VALUE ? null : v.intValue();
  }

  private Integer group(Matcher m, String role) {
    if (!groups.contains(role)) return null;
    String digits = m.group(role);
    if (digits == null) return null;
    digits = digits.replace(",", "");
    if (digits.isEmpty() || digits.length() > 10) return null;
    long n = Long.parseLong(digits);
    return n > Integer.MAX_VALUE ? null : (int) n;
  }
}
