package dev.rebound.gateway.failure;

import java.time.Duration;
import java.util.Locale;

/**
 * What rules look at for one error, prepared once: the effective status and the body's text lowercased, so
 * that the (lowercased) dialect regexes run without case-insensitive matching, which is several times slower.
 */
record Evidence(int status, ErrorBody body, String text, String details, Duration retryAfter) {

  static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }
}
