package dev.rebound.gateway.time;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people and providers write them: "100ms", "30s", "7d", "1m30s", "18.642s", "2h5m".
 * A bare number means seconds. Config reads its durations with it, the failure classifier the provider reset headers
 * ("x-ratelimit-reset-*"), and events write waits with it: a package of its own, so none of them depends on another
 * for it.
 */
public final class DurationText {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|µs|ns|d|h|m|s)");
  private static final Pattern BARE = Pattern.compile("\\d+(?:\\.\\d+)?");

  private DurationText() {}

  /** Parses a duration; throws IllegalArgumentException with the offending text when it is not one. */
  public static Duration parse(String text) {
    if (text == null) throw new IllegalArgumentException("duration is missing");
    String s = text.trim().toLowerCase();
    if (s.isEmpty()) throw new IllegalArgumentException("empty duration");
    if (BARE.matcher(s).matches()) return ofUnit(new BigDecimal(s), "s");
    Matcher m = PART.matcher(s);
    int at = 0;
    Duration total = Duration.ZERO;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 250ms, 30s, 1m30s, 2h, 7d)");
      }
      total = total.plus(ofUnit(new BigDecimal(m.group(1)), m.group(2)));
      at = m.end();
    }
    return total;
  }

  /** Writes a duration back in the shortest form parse() reads: 1500ms -> "1.5s", 90s -> "1m30s". */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) return ms + "ms";
    if (ms % 1000 != 0 || ms < 60_000) return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
    long s = ms / 1000;
    StringBuilder out = new StringBuilder();
    if (s >= 86_400) { out.append(s / 86_400).append('d'); s %= 86_400; }
    if (s >= 3_600) { out.append(s / 3_600).append('h'); s %= 3_600; }
    if (s >= 60) { out.append(s / 60).append('m'); s %= 60; }
    if (s > 0) out.append(s).append('s');
    return out.toString();
  }

  private static Duration ofUnit(BigDecimal n, String unit) {
    BigDecimal nanosPerUnit = switch (unit) {
      case "ns" -> BigDecimal.ONE;
      case "us", "µs" -> BigDecimal.valueOf(1_000L);
      case "ms" -> BigDecimal.valueOf(1_000_000L);
      case "s" -> BigDecimal.valueOf(1_000_000_000L);
      case "m" -> BigDecimal.valueOf(60_000_000_000L);
      case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
      case "d" -> BigDecimal.valueOf(86_400_000_000_000L);
      default -> throw new IllegalArgumentException("unknown unit " + unit);
    };
    try {
      return Duration.ofNanos(n.multiply(nanosPerUnit).toBigInteger().longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + n.toPlainString() + unit + "' is too long a duration");
    }
  }
}
