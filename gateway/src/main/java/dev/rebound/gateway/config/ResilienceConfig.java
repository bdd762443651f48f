package dev.rebound.gateway.config;

import java.time.Duration;
import java.util.Map;

/**
 * How hard the gateway tries before it gives up: retries (with per-kind overrides keyed by failure kind, e.g.
 * {@code rate_limited}), the wait budget, per-backend breakers, keep-alive while a streaming client waits, and
 * whether cut streams are continued.
 */
public record ResilienceConfig(
    Retry retry,
    Map<String, Retry> retryByKind,
    Duration waitBudget,
    Breaker breaker,
    Duration keepAliveInterval,
    boolean continueStreams) {

  public ResilienceConfig {
    retryByKind = Map.copyOf(retryByKind);
  }

  public record Retry(int maxAttempts, Duration baseDelay, Duration maxDelay, double multiplier, double jitter) {}

  public record Breaker(int failureThreshold, Duration window, Duration resetTimeout, int halfOpenCalls) {}
}
