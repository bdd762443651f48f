package dev.rebound.gateway.failure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.time.DurationText;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long the server asked us to wait. Explicit headers win over anything in the body, in this order:
 * retry-after-ms, retry-after (seconds or HTTP date), x-ms-retry-after-ms, x-ratelimit-reset-* (OpenAI, Groq),
 * anthropic-ratelimit-*-reset (RFC 3339), x-ratelimit-reset (OpenRouter: epoch millis). Body hints (Google
 * RetryInfo, HF estimated_time, "try again in 18.642s" in the message, OpenRouter's forwarded headers) are
 * used only without such headers; among them the longest wins, because retrying too early wastes an attempt.
 */
public final class RetryHints {
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");
  private static final Pattern RESET_SUFFIX =
      Pattern.compile("x-ratelimit-reset-(.+)", Pattern.CASE_INSENSITIVE);
  private static final Pattern ANTHROPIC_RESET =
      Pattern.compile("anthropic-ratelimit-(.+)-reset", Pattern.CASE_INSENSITIVE);
  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

  private final List<Pattern> messagePatterns;
  private final Clock clock;

  /**
   * @param messagePatterns regexes with either a group "dur" (a DurationText such as "9m38.016s") or groups
   *                        "n" and "unit" ("20 seconds")
   */
  public RetryHints(List<Pattern> messagePatterns, Clock clock) {
    this.messagePatterns = List.copyOf(messagePatterns);
    this.clock = clock;
  }

  /** Headers in any case, then the body; null when nobody said how long to wait. */
  public Duration resolve(Map<String, String> headers, ErrorBody body) {
    return resolve(headers, body, Evidence.lower(body.text()));
  }

  Duration resolve(Map<String, String> headers, ErrorBody body, String lowerText) {
    Duration fromHeaders = fromHeaders(headers);
    return fromHeaders != null ? fromHeaders : fromBody(body, lowerText);
  }

  public Duration fromHeaders(Map<String, String> anyCaseHeaders) {
    if (anyCaseHeaders == null || anyCaseHeaders.isEmpty()) return null;
    Map<String, String> h = caseInsensitive(anyCaseHeaders);
    Duration d = millis(h.get("retry-after-ms"));
    if (d == null) d = retryAfter(h.get("retry-after"));
    if (d == null) d = millis(h.get("x-ms-retry-after-ms"));
    if (d == null) d = relevantReset(h, RESET_SUFFIX, "x-ratelimit-remaining-%s", this::duration);
    if (d == null) d = relevantReset(h, ANTHROPIC_RESET, "anthropic-ratelimit-%s-remaining", this::instantOrDelay);
    if (d == null) d = resetAt(h.get("x-ratelimit-reset"));
    return d;
  }

  /** @param lowerText the body's text, lowercased (message patterns are compiled lowercased) */
  Duration fromBody(ErrorBody body, String lowerText) {
    List<Duration> hints = new ArrayList<>();
    if (body.error() != null) {
      JsonNode details = body.error().get("details");
      if (details != null && details.isArray()) {
        for (JsonNode d : details) add(hints, duration(d.path("retryDelay").asText(null))); // Google RetryInfo
      }
      JsonNode forwarded = body.error().path("metadata").path("headers"); // OpenRouter passes upstream headers on
      if (forwarded.isObject()) add(hints, fromHeaders(toMap(forwarded)));
    }
    Double estimated = body.number("estimated_time"); // HF inference: model still loading
    if (estimated != null) add(hints, seconds(BigDecimal.valueOf(estimated)));
    for (Pattern p : messagePatterns) {
      Matcher m = p.matcher(lowerText);
      while (m.find()) add(hints, fromMessage(m));
    }
    return hints.stream().max(Duration::compareTo).orElse(null);
  }

  /** Picks the reset of the limit that ran out (remaining == 0); without such, the latest reset. */
  private Duration relevantReset(Map<String, String> h, Pattern resetName, String remainingFormat,
                                 java.util.function.Function<String, Duration> parse) {
    Duration exhausted = null;
    Duration any = null;
    for (Map.Entry<String, String> e : h.entrySet()) {
      Matcher m = resetName.matcher(e.getKey());
      if (!m.matches()) continue;
      Duration d = parse.apply(e.getValue());
      if (d == null) continue;
      any = max(any, d);
      String remaining = h.get(String.format(Locale.ROOT, remainingFormat, m.group(1)));
      if (remaining != null && remaining.strip().equals("0")) exhausted = max(exhausted, d);
    }
    return exhausted != null ? exhausted : any;
  }

  /** A rate limit's reset as any provider writes it (RFC 3339, HTTP date, "6m0s", epoch): how long from now. */
  Duration resetIn(String value) {
    return instantOrDelay(value);
  }

  private Duration instantOrDelay(String value) {
    Duration d = untilInstant(value);
    return d != null ? d : resetAt(value);
  }

  private Duration retryAfter(String value) {
    if (value == null) return null;
    String v = value.strip();
    if (NUMBER.matcher(v).matches()) return seconds(new BigDecimal(v));
    return untilInstant(v);
  }

  /** x-ratelimit-reset: epoch millis (OpenRouter), epoch seconds, or a plain delay. */
  private Duration resetAt(String value) {
    if (value == null) return null;
    String v = value.strip();
    if (!NUMBER.matcher(v).matches()) return duration(v);
    BigDecimal n = new BigDecimal(v);
    long whole = n.min(MAX_NANOS).longValue();
    if (whole >= 1_000_000_000_000L) return until(Instant.ofEpochMilli(whole));
    if (whole >= 1_000_000_000L) return until(Instant.ofEpochSecond(whole));
    return seconds(n);
  }

  private Duration fromMessage(Matcher m) {
    try {
      String dur = group(m, "dur");
      if (dur != null) return duration(dur);
      String n = group(m, "n");
      if (n == null) return null;
      String unit = group(m, "unit");
      BigDecimal amount = new BigDecimal(n);
      String u = unit == null ? "s" : unit.toLowerCase(Locale.ROOT);
      if (u.startsWith("ms") || u.startsWith("milli")) return nanos(amount.movePointRight(6));
      if (u.startsWith("h")) return seconds(amount.multiply(BigDecimal.valueOf(3600)));
      if (u.startsWith("m")) return seconds(amount.multiply(BigDecimal.valueOf(60)));
      return seconds(amount);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String group(Matcher m, String name) {
    try {
      return m.group(name);
    } catch (IllegalArgumentException noSuchGroup) {
      return null;
    }
  }

  /** "18.642s", "1m30s", "120ms", "6m0s", or a bare number of seconds. */
  private Duration duration(String value) {
    if (value == null || value.isBlank()) return null;
    try {
      return nonNegative(DurationText.parse(value));
    } catch (RuntimeException e) { // IllegalArgumentException, or ArithmeticException on absurd sizes
      return null;
    }
  }

  /** RFC 3339 (Anthropic resets) or an HTTP date (Retry-After), measured from our clock. */
  private Duration untilInstant(String value) {
    if (value == null || value.isBlank()) return null;
    String v = value.strip();
    try {
      return until(OffsetDateTime.parse(v).toInstant());
    } catch (DateTimeParseException ignored) {
      // not RFC 3339
    }
    try {
      return until(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException ignored) {
      return null;
    }
  }

  private Duration until(Instant when) {
    return nonNegative(Duration.between(clock.instant(), when));
  }

  private static Duration millis(String value) {
    if (value == null || !NUMBER.matcher(value.strip()).matches()) return null;
    return nanos(new BigDecimal(value.strip()).movePointRight(6));
  }

  private static Duration seconds(BigDecimal s) {
    return nanos(s.movePointRight(9));
  }

  /** Absurd values (a 30-digit retry-after) saturate instead of wrapping around into nonsense. */
  private static Duration nanos(BigDecimal n) {
    return nonNegative(Duration.ofNanos(n.min(MAX_NANOS).longValue()));
  }

  /** A reset already in the past means "now", not a negative wait. */
  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static Duration max(Duration a, Duration b) {
    return a == null || b.compareTo(a) > 0 ? b : a;
  }

  private static void add(List<Duration> hints, Duration d) {
    if (d != null) hints.add(d);
  }

  static Map<String, String> caseInsensitive(Map<String, String> headers) {
    if (headers instanceof TreeMap<String, String> t && t.comparator() == String.CASE_INSENSITIVE_ORDER) return t;
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (headers == null) return h;
    headers.forEach((k, v) -> {
      if (k != null && v != null) h.putIfAbsent(k.strip(), v);
    });
    return h;
  }

  private static Map<String, String> toMap(JsonNode obj) {
    Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isValueNode()) m.put(e.getKey(), e.getValue().asText());
    }
    return m;
  }
}
