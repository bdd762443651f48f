package dev.rebound.gateway.config;

import java.time.Duration;

/** How hard the gateway tries before it gives up: retries, the wait budget, and per-backend breakers. */
public record ResilienceConfig(Retry retry, Duration waitBudget, Breaker breaker) {
  public record Retry(int maxAttempts, Duration baseDelay, Duration maxDelay, double multiplier, double jitter) {}

  public record Breaker(int failureThreshold, Duration window, Duration resetTimeout, int halfOpenCalls) {}
}
