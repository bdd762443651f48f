package dev.rebound.gateway.analytics;

import dev.rebound.gateway.failure.FailureKind;
import java.time.Instant;

/**
 * How one request ended, judged from its events when the one that ends it (answered, give-up, client-gone) passes.
 *
 * @param recoveryKind    the kind of its first failure another attempt could fix (or, with none, the kind it gave up with
 *                        when that kind could have been fixed): what its recovery counts under; null when there was none
 * @param timeToRecoverMs from that failure (or the request's first decision, for a give-up without one) to the end
 * @param attempts        upstream calls made
 */
record RequestVerdict(Instant endedAt, Outcome outcome, FailureKind recoveryKind, long timeToRecoverMs, int attempts) {
  enum Outcome { ANSWERED, GAVE_UP, CLIENT_GONE }

  /** A recovery is judged only when the client stayed to hear how it ended. */
  boolean isRecovery() {
    return recoveryKind != null && outcome != Outcome.CLIENT_GONE;
  }

  boolean recovered() {
    return isRecovery() && outcome == Outcome.ANSWERED;
  }

  /** Upstream calls after the first, to the same agent or the next. */
  int retries() {
    return Math.max(0, attempts - 1);
  }
}
