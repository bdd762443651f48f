package dev.rebound.gateway.recovery;

import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.time.DurationText;
import java.time.Duration;
import java.util.Map;

/**
 * The retry rules as a pure function: (failure, attempts so far on this agent, wait budget left, a random number)
 * -> decision. A wait the server asked for (Retry-After and its cousins) wins over the computed backoff on every
 * attempt; a wait longer than the budget left means moving on instead of waiting. {@link RecoveryDecider} asks it
 * last, once the stream and the context have had their say.
 */
final class RetryPolicy {
  /** The longest computed wait before connecting again to a backend that refused the connection. */
  static final Duration CONNECT_BACKOFF_CAP = Duration.ofSeconds(1);

  private final ResilienceConfig.Retry defaults;
  private final Map<String, ResilienceConfig.Retry> byBackend;
  private final Map<FailureKind, ResilienceConfig.Retry> byKind;

  RetryPolicy(ResilienceConfig.Retry defaults, Map<String, ResilienceConfig.Retry> byBackend,
      Map<FailureKind, ResilienceConfig.Retry> byKind) {
    this.defaults = defaults;
    this.byBackend = Map.copyOf(byBackend);
    this.byKind = Map.copyOf(byKind);
  }

  static RetryPolicy from(dev.rebound.gateway.config.ReboundConfig config) {
    Map<String, ResilienceConfig.Retry> byBackend = new java.util.HashMap<>();
    for (var b : config.backends()) if (b.retry() != null) byBackend.put(b.name(), b.retry());
    Map<FailureKind, ResilienceConfig.Retry> byKind = new java.util.EnumMap<>(FailureKind.class);
    config.resilience().retryByKind().forEach((k, v) -> byKind.put(FailureKind.valueOf(k.toUpperCase(java.util.Locale.ROOT)), v));
    return new RetryPolicy(config.resilience().retry(), byBackend, byKind);
  }

  /**
   * @param attemptsOnAgent attempts already made on this agent, including the one that just failed (>= 1)
   * @param random          uniform in [0, 1): the jitter source, passed in so the function stays pure
   */
  RecoveryDecision decide(Failure failure, String backend, int attemptsOnAgent, Duration budgetLeft, double random) {
    return decide(failure, backend, attemptsOnAgent, budgetLeft, random, false);
  }

  /**
   * @param nowhereElse no other agent is left to try: an {@link FailureKind#outlastable()} failure is then retried past
   *                    maxAttempts for as long as the wait budget lasts (giving up early would leave the client worse
   *                    off than retrying direct)
   */
  RecoveryDecision decide(Failure failure, String backend, int attemptsOnAgent, Duration budgetLeft, double random,
      boolean nowhereElse) {
    FailureKind kind = failure.kind();
    if (!kind.retryable()) {
      return kind.fallbackAvailable()
          ? new RecoveryDecision.NextAgent(kind.type() + " is not retried on the same backend")
          : new RecoveryDecision.GiveUp(kind.type() + " will fail on every agent");
    }
    ResilienceConfig.Retry s = settings(backend, kind);
    boolean outlasting = attemptsOnAgent >= s.maxAttempts();
    if (outlasting && !(nowhereElse && kind.outlastable())) {
      return new RecoveryDecision.NextAgent(attemptsOnAgent + " attempt(s) on this agent, the most allowed for " + kind.type());
    }
    Duration wait;
    String why;
    if (failure.retryAfter() != null) {
      wait = failure.retryAfter();
      why = "the server asked to wait " + DurationText.format(wait);
      if (outlasting) {
        // past the attempts, the backoff is the least wait: a server that keeps saying "now" must not be hammered,
        // and the wait budget must run down
        Duration least = backoff(s, attemptsOnAgent, random);
        if (least.compareTo(wait) > 0) {
          wait = least;
          why = "backoff #" + attemptsOnAgent + " is " + DurationText.format(wait) + " (longer than the server's wait)";
        }
      }
    } else {
      wait = backoff(s, attemptsOnAgent, random);
      // a refused connection costs the backend nothing: ask again soon, so a restarted server is found at once
      if (kind == FailureKind.CONNECT && wait.compareTo(CONNECT_BACKOFF_CAP) > 0) wait = CONNECT_BACKOFF_CAP;
      why = "backoff #" + attemptsOnAgent + " is " + DurationText.format(wait);
    }
    if (wait.compareTo(budgetLeft) > 0) {
      return new RecoveryDecision.NextAgent(why + ", more than the " + DurationText.format(budgetLeft)
          + " left of the wait budget");
    }
    return new RecoveryDecision.Retry(wait, why);
  }

  /** base x multiplier^(n-1), capped at maxDelay, then +-jitter. */
  static Duration backoff(ResilienceConfig.Retry s, int attempt, double random) {
    double ms = s.baseDelay().toMillis() * Math.pow(s.multiplier(), Math.max(0, attempt - 1));
    ms = Math.min(ms, s.maxDelay().toMillis());
    ms = ms * (1 + s.jitter() * (2 * random - 1));
    return Duration.ofMillis(Math.max(0, Math.round(ms)));
  }

  ResilienceConfig.Retry settings(String backend, FailureKind kind) {
    ResilienceConfig.Retry s = byKind.get(kind);
    if (s != null) return s;
    s = byBackend.get(backend);
    return s != null ? s : defaults;
  }
}
