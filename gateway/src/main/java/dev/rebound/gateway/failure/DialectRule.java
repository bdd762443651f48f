package dev.rebound.gateway.failure;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One ordered rule of {@code failure-dialects.yaml}: all stated conditions must hold; a list means "any of".
 * Empty sets and null patterns are conditions not stated.
 *
 * @param numbers extractors for token numbers; null means "try them all" (only read for overflow kinds)
 */
record DialectRule(String id, String dialect, StatusMatch status, Set<String> codes, Set<String> types,
                          Set<String> errorStatuses, Set<String> ids, TextPattern message, TextPattern details,
                          Duration minRetryAfter, FailureKind kind, List<TokenExtractor> numbers) {

  /** HTTP statuses as exact codes (429) and classes (4xx stored as 4). Empty matches every status. */
  record StatusMatch(Set<Integer> exact, Set<Integer> classes) {
    static final StatusMatch ANY = new StatusMatch(Set.of(), Set.of());

    boolean test(int status) {
      return exact.isEmpty() && classes.isEmpty() || exact.contains(status) || classes.contains(status / 100);
    }
  }

  boolean matches(Evidence e) {
    ErrorBody body = e.body();
    return status.test(e.status())
        && oneOf(codes, body.code())
        && oneOf(types, body.type())
        && oneOf(errorStatuses, body.status())
        && (ids.isEmpty() || in(ids, body.code()) || in(ids, body.type()) || in(ids, body.status()))
        && (minRetryAfter == null || e.retryAfter() != null && e.retryAfter().compareTo(minRetryAfter) >= 0)
        && (details == null || details.find(e.details()))
        && (message == null || message.find(e.text()));
  }

  private static boolean oneOf(Set<String> wanted, String actual) {
    return wanted.isEmpty() || in(wanted, actual);
  }

  private static boolean in(Set<String> lowerCased, String actual) {
    return actual != null && lowerCased.contains(actual.toLowerCase(Locale.ROOT));
  }
}
