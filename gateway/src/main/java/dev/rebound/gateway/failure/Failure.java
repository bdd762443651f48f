package dev.rebound.gateway.failure;

import java.time.Duration;
import java.util.Objects;

/**
 * One classified upstream failure.
 *
 * @param kind            what went wrong, in the gateway's taxonomy
 * @param retryAfter      how long the server asked us to wait, or null when it did not say
 *                        (always null for kinds where waiting cannot help, e.g. CONTEXT_OVERFLOW)
 * @param contextLimit    the context window (or token budget) stated by an overflow message, or null
 * @param requestedTokens the total tokens the request needed (prompt + max_tokens when both are stated), or null
 * @param promptTokens    the input tokens as the provider counted them, when its message says so, or null
 * @param provider        the dialect whose rule matched, or null when only the HTTP status decided
 * @param message         the provider's own words, for logs and for the client
 */
public record Failure(FailureKind kind, Duration retryAfter, Integer contextLimit, Integer requestedTokens,
                      Integer promptTokens, String provider, String message) {

  public Failure {
    Objects.requireNonNull(kind, "kind");
    message = message == null ? "" : message;
  }

  public static Failure of(FailureKind kind, String message) {
    return new Failure(kind, null, null, null, null, null, message);
  }

  /**
   * How long the backend should cool down after this failure; null when it should not (see
   * {@link FailureKind#coolsBackend()}).
   *
   * @param quotaCooldown the cooldown of a quota stop that named no time (the breaker's reset timeout)
   */
  public Duration cooldown(Duration quotaCooldown) {
    if (!kind.coolsBackend()) return null;
    Duration cool = retryAfter != null ? retryAfter : kind == FailureKind.QUOTA_EXHAUSTED ? quotaCooldown : null;
    return cool == null || cool.isZero() ? null : cool;
  }
}
