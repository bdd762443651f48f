package dev.rebound.gateway.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  static final ResilienceConfig.Retry DEFAULTS =
      new ResilienceConfig.Retry(3, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.25);
  static final Duration BUDGET = Duration.ofSeconds(120);
  final RetryPolicy policy = new RetryPolicy(DEFAULTS, Map.of(), Map.of());

  static Failure failure(FailureKind kind, Duration retryAfter) {
    return new Failure(kind, retryAfter, null, null, null, null, "test");
  }

  @Test
  void backoffDoublesFromTheBaseWithinTheJitterBand() {
    for (int attempt = 1; attempt <= 2; attempt++) {
      long nominal = 100L << (attempt - 1);
      Duration low = RetryPolicy.backoff(DEFAULTS, attempt, 0.0);
      Duration high = RetryPolicy.backoff(DEFAULTS, attempt, 0.999999);
      assertEquals(Math.round(nominal * 0.75), low.toMillis());
      assertEquals(Math.round(nominal * 1.25), high.toMillis(), 1);
      assertEquals(nominal, RetryPolicy.backoff(DEFAULTS, attempt, 0.5).toMillis());
    }
  }

  @Test
  void backoffIsCappedAtMaxDelayBeforeJitter() {
    assertEquals(30_000, RetryPolicy.backoff(DEFAULTS, 20, 0.5).toMillis());
  }

  @Test
  void aServerGivenWaitWinsOverTheBackoffOnEveryAttempt() {
    for (int attempt = 1; attempt <= 2; attempt++) {
      RecoveryDecision d = policy.decide(failure(FailureKind.RATE_LIMITED, Duration.ofSeconds(7)), "b", attempt, BUDGET, 0.9);
      assertEquals(Duration.ofSeconds(7), assertInstanceOf(RecoveryDecision.Retry.class, d).delay());
    }
  }

  @Test
  void aWaitLongerThanTheBudgetLeftMovesOnInsteadOfWaiting() {
    RecoveryDecision d = policy.decide(failure(FailureKind.RATE_LIMITED, Duration.ofSeconds(90)), "b", 1, Duration.ofSeconds(60), 0.5);
    assertTrue(assertInstanceOf(RecoveryDecision.NextAgent.class, d).reason().contains("wait budget"), d.reason());
  }

  @Test
  void afterMaxAttemptsTheNextAgentIsTried() {
    assertInstanceOf(RecoveryDecision.Retry.class, policy.decide(failure(FailureKind.SERVER_ERROR, null), "b", 2, BUDGET, 0.5));
    assertInstanceOf(RecoveryDecision.NextAgent.class, policy.decide(failure(FailureKind.SERVER_ERROR, null), "b", 3, BUDGET, 0.5));
  }

  @Test
  void quotaAuthAndOverflowNeverWaitOnTheSameBackend() {
    for (FailureKind k : new FailureKind[] {FailureKind.QUOTA_EXHAUSTED, FailureKind.AUTH, FailureKind.CONTEXT_OVERFLOW, FailureKind.OUTPUT_LIMIT}) {
      assertInstanceOf(RecoveryDecision.NextAgent.class, policy.decide(failure(k, Duration.ofSeconds(1)), "b", 1, BUDGET, 0.5), k.name());
    }
  }

  @Test
  void anInvalidRequestIsGivenUpOn() {
    assertInstanceOf(RecoveryDecision.GiveUp.class, policy.decide(failure(FailureKind.INVALID_REQUEST, null), "b", 1, BUDGET, 0.5));
  }

  @Test
  void perKindSettingsWinOverPerBackendOverDefaults() {
    var fiveTries = new ResilienceConfig.Retry(5, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.25);
    var oneTry = new ResilienceConfig.Retry(1, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.25);
    RetryPolicy p = new RetryPolicy(DEFAULTS, Map.of("flaky", oneTry), Map.of(FailureKind.RATE_LIMITED, fiveTries));
    assertInstanceOf(RecoveryDecision.Retry.class, p.decide(failure(FailureKind.RATE_LIMITED, null), "flaky", 4, BUDGET, 0.5));
    assertInstanceOf(RecoveryDecision.NextAgent.class, p.decide(failure(FailureKind.SERVER_ERROR, null), "flaky", 1, BUDGET, 0.5));
    assertInstanceOf(RecoveryDecision.Retry.class, p.decide(failure(FailureKind.SERVER_ERROR, null), "steady", 1, BUDGET, 0.5));
  }

  @Test
  void withNowhereElseToGoAnOverloadIsRetriedPastMaxAttemptsUntilTheBudgetRunsOut() {
    Failure overloaded = failure(FailureKind.OVERLOADED, null);
    assertInstanceOf(RecoveryDecision.NextAgent.class, policy.decide(overloaded, "b", 3, BUDGET, 0.5, false));
    assertInstanceOf(RecoveryDecision.Retry.class, policy.decide(overloaded, "b", 3, BUDGET, 0.5, true));
    assertInstanceOf(RecoveryDecision.Retry.class, policy.decide(overloaded, "b", 9, BUDGET, 0.5, true));
    assertInstanceOf(RecoveryDecision.NextAgent.class, policy.decide(overloaded, "b", 9, Duration.ofMillis(10), 0.5, true),
        "the budget still bounds it");
    assertInstanceOf(RecoveryDecision.NextAgent.class, policy.decide(failure(FailureKind.SERVER_ERROR, null), "b", 3, BUDGET, 0.5, true),
        "a server error is not outlasted: the client hears of it after its attempts");
    RecoveryDecision.Retry now = (RecoveryDecision.Retry) policy.decide(failure(FailureKind.OVERLOADED, Duration.ZERO), "b", 6, BUDGET, 0.5, true);
    assertTrue(now.delay().compareTo(Duration.ZERO) > 0, "a server that keeps saying retry-after: 0 is not hammered: " + now.delay());
  }
}
