package dev.rebound.gateway.recovery;

import java.time.Duration;

/** What the retry policy says after a failed attempt; {@link RecoveryDecider} turns it into a {@link Recovery}. */
sealed interface RecoveryDecision {
  String reason();

  /** Try the same agent again after {@code delay}. */
  record Retry(Duration delay, String reason) implements RecoveryDecision {}

  /** Move on to the next agent of the plan (or give up if there is none). */
  record NextAgent(String reason) implements RecoveryDecision {}

  /** Stop: no other attempt can succeed (e.g. the request itself is invalid). */
  record GiveUp(String reason) implements RecoveryDecision {}
}
