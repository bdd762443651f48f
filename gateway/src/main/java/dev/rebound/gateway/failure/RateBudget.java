package dev.rebound.gateway.failure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a provider says is left of its rate limits, as its answers (successes too) report it: OpenAI, Azure, Groq and
 * most OpenAI-compatible servers {@code x-ratelimit-{limit,remaining,reset}-<name>} (OpenRouter without a name),
 * Anthropic {@code anthropic-ratelimit-<name>-{limit,remaining,reset}}.
 *
 * @param seen   when the answer that said so came
 * @param limits one per named limit (requests, tokens, input-tokens, ...), in name order
 */
public record RateBudget(Instant seen, List<Limit> limits) {
  /**
   * @param limit     the limit's size; null when not stated
   * @param remaining what is left of it; null when not stated
   * @param resetsAt  when it refills; null when not stated
   */
  public record Limit(String name, Long limit, Long remaining, Instant resetsAt) {}

  private static final String OPENAI = "x-ratelimit-";
  private static final String ANTHROPIC = "anthropic-ratelimit-";

  /** Null when the headers say nothing about rate limits (most local servers). */
  static RateBudget read(Iterable<Map.Entry<String, String>> headers, RetryHints hints, Instant now) {
    Map<String, Long[]> counts = null;
    Map<String, Instant> resets = null;
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      // the common case, an answer without such headers, costs one prefix check per header
      boolean openAi = name.regionMatches(true, 0, OPENAI, 0, OPENAI.length());
      if (!openAi && !name.regionMatches(true, 0, ANTHROPIC, 0, ANTHROPIC.length())) continue;
      String rest = name.substring(openAi ? OPENAI.length() : ANTHROPIC.length()).toLowerCase(Locale.ROOT);
      String field;
      String limit;
      if (openAi) {
        int dash = rest.indexOf('-');
        field = dash < 0 ? rest : rest.substring(0, dash);
        limit = dash < 0 ? "requests" : rest.substring(dash + 1);
      } else {
        int dash = rest.lastIndexOf('-');
        if (dash < 0) continue;
        field = rest.substring(dash + 1);
        limit = rest.substring(0, dash);
      }
      if (counts == null) {
        counts = new TreeMap<>();
        resets = new TreeMap<>();
      }
      switch (field) {
        case "limit", "remaining" -> {
          Long n = number(h.getValue());
          if (n != null) counts.computeIfAbsent(limit, k -> new Long[2])["limit".equals(field) ? 0 : 1] = n;
        }
        case "reset" -> {
          Instant at = instant(h.getValue()); // Anthropic's is a time already; the others a delay from now
          if (at == null) {
            Duration in = hints.resetIn(h.getValue());
            if (in != null) at = now.plus(in);
          }
          if (at != null) resets.put(limit, at);
        }
        default -> { } // x-ratelimit-used-*, ...: not a budget
      }
    }
    if (counts == null) return null;
    TreeSet<String> names = new TreeSet<>(counts.keySet());
    names.addAll(resets.keySet());
    List<Limit> limits = new ArrayList<>();
    for (String n : names) {
      Long[] c = counts.getOrDefault(n, new Long[2]);
      limits.add(new Limit(n, c[0], c[1], resets.get(n)));
    }
    return limits.isEmpty() ? null : new RateBudget(now, List.copyOf(limits));
  }

  private static Instant instant(String value) {
    if (value == null || value.length() < 20 || value.charAt(4) != '-') return null;
    try {
      return java.time.OffsetDateTime.parse(value.strip()).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private static Long number(String value) {
    if (value == null) return null;
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
