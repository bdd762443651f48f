package dev.rebound.gateway.config;

import java.time.Duration;
import java.util.Map;

/**
 * How hard the gateway tries before it gives up: retries (with per-kind overrides keyed by failure kind, e.g.
 * {@code rate_limited}), the wait budget, per-backend breakers, keep-alive while a streaming client waits, and
 * whether cut streams are continued.
 *
 * @param firstByteKeepAlive a streaming request whose upstream has sent nothing for this long gets the stream head and
 *                           keep-alives until it does (a local server prefilling a long prompt may take longer than a
 *                           client's read timeout); zero: never before the first byte
 * @param paceBelow          when a backend reports that no more than this share of a request limit is left, requests
 *                           to it are spread over the time until the limit refills instead of running into a 429;
 *                           0 turns pacing off
 */
public record ResilienceConfig(
    Retry retry,
    Map<String, Retry> retryByKind,
    Duration waitBudget,
    Breaker breaker,
    Duration keepAliveInterval,
    boolean continueStreams,
    Duration firstByteKeepAlive,
    double paceBelow) {

  public ResilienceConfig {
    retryByKind = Map.copyOf(retryByKind);
  }

  public record Retry(int maxAttempts, Duration baseDelay, Duration maxDelay, double multiplier, double jitter) {}

  /**
   * @param resetTimeout    the longest a breaker stays open before it lets a probe through
   * @param firstProbeAfter how soon the first probe goes after the breaker opens; each failed probe doubles the wait,
   *                        up to resetTimeout (a backend back after a blip is found in seconds, a dead one is probed
   *                        rarely)
   */
  public record Breaker(int failureThreshold, Duration window, Duration resetTimeout, int halfOpenCalls,
      Duration firstProbeAfter) {
    public static final Duration DEFAULT_FIRST_PROBE_AFTER = Duration.ofSeconds(2);

    public Breaker(int failureThreshold, Duration window, Duration resetTimeout, int halfOpenCalls) {
      this(failureThreshold, window, resetTimeout, halfOpenCalls, DEFAULT_FIRST_PROBE_AFTER);
    }
  }
}
