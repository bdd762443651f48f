package dev.rebound.gateway.recovery;

import static dev.rebound.gateway.recovery.BackendHealth.Permit.GRANTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.recovery.BackendHealth.Permit.Rejected;
import dev.rebound.gateway.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendHealthTest {
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final List<BackendHealth.Transition> transitions = new ArrayList<>();
  final BackendHealth health = new BackendHealth("b",
      new ResilienceConfig.Breaker(5, Duration.ofSeconds(60), Duration.ofSeconds(30), 3), clock, transitions::add);

  void fail(int times) {
    for (int i = 0; i < times; i++) {
      assertEquals(GRANTED, health.acquire());
      health.failed("boom");
    }
  }

  @Test
  void fiveFailuresWithinTheWindowOpenTheBreaker() {
    fail(4);
    assertEquals(BackendHealth.State.CLOSED, health.state());
    fail(1);
    assertEquals(BackendHealth.State.OPEN, health.state());
    assertInstanceOf(Rejected.class, health.acquire(), "an open breaker refuses work");
  }

  @Test
  void failuresOlderThanTheWindowDoNotCount() {
    fail(4);
    clock.advance(Duration.ofSeconds(61));
    fail(4);
    assertEquals(BackendHealth.State.CLOSED, health.state());
  }

  @Test
  void afterTheFirstProbeDelayThreeProbesDecide() {
    fail(5);
    assertEquals(Duration.ofSeconds(2), health.nextProbeIn(), "the first probe comes after seconds, not the reset");
    clock.advance(Duration.ofSeconds(2));
    for (int i = 0; i < 3; i++) assertEquals(GRANTED, health.acquire(), "probe " + i);
    assertInstanceOf(Rejected.class, health.acquire(), "a fourth concurrent probe waits");
    health.succeeded();
    health.succeeded();
    assertEquals(BackendHealth.State.HALF_OPEN, health.state());
    health.succeeded();
    assertEquals(BackendHealth.State.CLOSED, health.state());
    assertEquals(List.of("OPEN", "HALF_OPEN", "CLOSED"), transitions.stream().map(t -> t.to().name()).toList());
  }

  @Test
  void eachFailedProbeDoublesTheWaitForTheNextUpToTheResetTimeout() {
    fail(5);
    List<Long> waits = new ArrayList<>();
    for (int probe = 0; probe < 6; probe++) {
      Duration wait = health.nextProbeIn();
      waits.add(wait.toSeconds());
      clock.advance(wait);
      assertEquals(GRANTED, health.acquire(), "probe " + probe);
      health.failed("still down");
      assertEquals(BackendHealth.State.OPEN, health.state());
    }
    assertEquals(List.of(2L, 4L, 8L, 16L, 30L, 30L), waits);
    clock.advance(health.nextProbeIn());
    for (int i = 0; i < 3; i++) {
      assertEquals(GRANTED, health.acquire());
      health.succeeded();
    }
    assertEquals(BackendHealth.State.CLOSED, health.state());
    fail(5);
    assertEquals(Duration.ofSeconds(2), health.nextProbeIn(), "a closed breaker starts over from seconds");
  }

  @Test
  void halfOpenWithEveryProbeInFlightHasNoProbeTimeToGive() {
    fail(5);
    clock.advance(Duration.ofSeconds(2));
    for (int i = 0; i < 3; i++) assertEquals(GRANTED, health.acquire());
    assertNull(health.nextProbeIn());
    health.succeeded();
    assertEquals(Duration.ZERO, health.nextProbeIn());
  }

  @Test
  void theSameRequestFailingAgainCountsOnce() {
    for (int i = 0; i < 20; i++) {
      assertEquals(GRANTED, health.acquire());
      health.failed("500 on a malformed request", "tenant-a:request-1", false);
    }
    assertEquals(BackendHealth.State.CLOSED, health.state(), "one bad request does not open the breaker for everyone");
    for (int i = 2; i <= 5; i++) health.failed("500", "tenant-a:request-" + i, false);
    assertEquals(BackendHealth.State.OPEN, health.state(), "five different requests failing do");
  }

  @Test
  void aCooldownLastsUntilTheTimeTheBackendGave() {
    health.coolUntil(clock.instant().plusSeconds(20));
    assertNotNull(health.coolingUntil());
    clock.advance(Duration.ofSeconds(20));
    assertNull(health.coolingUntil());
  }

  @Test
  void aProbeThatFindsTheBackendStillUnreachableDoesNotPutTheNextOneOff() {
    for (int i = 0; i < 5; i++) health.failed("connection refused", "r" + i, true);
    assertEquals(Duration.ofSeconds(2), health.nextProbeIn(), "the first probe as for any opening");
    clock.advance(Duration.ofSeconds(2));
    assertEquals(GRANTED, health.acquire());
    health.failed("connection refused", null, true);
    for (int probe = 0; probe < 4; probe++) {
      assertEquals(Duration.ofSeconds(1), health.nextProbeIn(), "probe " + probe + ": every second, never put off");
      clock.advance(Duration.ofSeconds(1));
      assertEquals(GRANTED, health.acquire());
      health.failed("connection refused", null, true);
    }
  }

  @Test
  void aRefusalSaysWhyAndWhenTheNextProbeGoes() {
    fail(5);
    BackendHealth.Permit open = health.acquire();
    assertEquals(new Rejected("circuit open until " + clock.instant().plusSeconds(2), Duration.ofSeconds(2)), open);
    clock.advance(Duration.ofSeconds(2));
    for (int i = 0; i < 3; i++) assertEquals(GRANTED, health.acquire());
    assertEquals(new Rejected("circuit half-open and its probes are in flight", null), health.acquire(),
        "the probes in flight decide soon: no time to give");
  }

  @Test
  void aFailureOfTheBackendsOwnCountsTowardTheBreaker() {
    for (int i = 0; i < 5; i++) {
      assertEquals(GRANTED, health.acquire());
      health.record(failure(FailureKind.SERVER_ERROR, null), "r" + i);
    }
    assertEquals(BackendHealth.State.OPEN, health.state());
    assertEquals("OPEN", transitions.get(0).to().name());
    assertTrue(transitions.get(0).reason().contains("the last: server_error: test"), transitions.get(0).reason());
  }

  @Test
  void oneTenantsFailuresWhileTheBackendAnswersAnotherTenantDoNotOpenTheBreaker() {
    health.succeeded("beta");
    clock.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) health.record(failure(FailureKind.SERVER_ERROR, null), new BackendHealth.Caller("alpha", i));
    health.succeeded("beta");
    for (int i = 3; i < 8; i++) health.record(failure(FailureKind.SERVER_ERROR, null), new BackendHealth.Caller("alpha", i));
    assertEquals(BackendHealth.State.CLOSED, health.state(), "alpha's requests fail, the backend serves beta");
    health.record(failure(FailureKind.SERVER_ERROR, null), new BackendHealth.Caller("beta", 1));
    assertEquals(BackendHealth.State.OPEN, health.state(), "once beta's fail too, it is the backend");
  }

  @Test
  void oneTenantsFailuresOpenTheBreakerWhenNoOtherTenantIsAnswered() {
    health.succeeded("beta"); // longer ago than the window: it says nothing of the backend now
    clock.advance(Duration.ofSeconds(61));
    for (int i = 0; i < 5; i++) health.record(failure(FailureKind.SERVER_ERROR, null), new BackendHealth.Caller("alpha", i));
    assertEquals(BackendHealth.State.OPEN, health.state(), "a single-tenant gateway keeps its breaker");
  }

  @Test
  void oneTenantsRefusedConnectionsOpenTheBreakerWhateverOtherTenantsGot() {
    health.succeeded("beta");
    for (int i = 0; i < 5; i++) health.record(failure(FailureKind.CONNECT, null), new BackendHealth.Caller("alpha", i));
    assertEquals(BackendHealth.State.OPEN, health.state(), "nothing listening is no request's doing");
  }

  @Test
  void aRefusedConnectionCountsAsUnreachableSoProbesAreNotPutOff() {
    for (int i = 0; i < 5; i++) health.record(failure(FailureKind.CONNECT, null), "r" + i);
    clock.advance(health.nextProbeIn());
    assertEquals(GRANTED, health.acquire());
    health.record(failure(FailureKind.CONNECT, null), null);
    assertEquals(Duration.ofSeconds(1), health.nextProbeIn());
  }

  @Test
  void aRejectedRequestIsTheBackendAnswering() {
    fail(5);
    clock.advance(health.nextProbeIn());
    for (int i = 0; i < 3; i++) {
      assertEquals(GRANTED, health.acquire());
      health.record(failure(FailureKind.INVALID_REQUEST, null), "r" + i);
    }
    assertEquals(BackendHealth.State.CLOSED, health.state(), "three probes answered");
    assertTrue(health.answeredWithin(Duration.ofSeconds(1)));
  }

  @Test
  void aThrottleCoolsTheBackendForTheServersWaitAndIsNotCounted() {
    for (int i = 0; i < 5; i++) health.record(failure(FailureKind.RATE_LIMITED, Duration.ofSeconds(20)), "r" + i);
    assertEquals(BackendHealth.State.CLOSED, health.state());
    assertEquals(clock.instant().plusSeconds(20), health.coolingUntil());
  }

  @Test
  void aQuotaStopWithoutAWaitCoolsForTheResetTimeout() {
    health.record(failure(FailureKind.QUOTA_EXHAUSTED, null), "r");
    assertEquals(clock.instant().plusSeconds(30), health.coolingUntil());
  }

  @Test
  void anOverloadBothCountsAndCools() {
    for (int i = 0; i < 5; i++) health.record(failure(FailureKind.OVERLOADED, Duration.ofSeconds(5)), "r" + i);
    assertEquals(BackendHealth.State.OPEN, health.state());
    assertEquals(clock.instant().plusSeconds(5), health.coolingUntil());
  }

  static Failure failure(FailureKind kind, Duration retryAfter) {
    return new Failure(kind, retryAfter, null, null, null, null, "test");
  }

  @Test
  void onlyTheFirstAnswerToAnAskWhoProbesCounts() {
    List<BackendHealth> asked = new ArrayList<>();
    health.share(new BackendHealth.Learned() {
      @Override
      public void mayProbe(BackendHealth h) {
        asked.add(h);
      }
    });
    fail(5);
    clock.advance(health.nextProbeIn());
    assertInstanceOf(Rejected.class, health.acquire(), "settling who probes");
    assertEquals(1, asked.size());
    health.probeDecided(true, "nobody answered in time: this gateway probes");
    health.probeDecided(false, null); // the store's answer, come late
    assertEquals(GRANTED, health.acquire(), "the first answer stands");
    assertEquals(BackendHealth.State.HALF_OPEN, health.state());
    assertTrue(transitions.get(transitions.size() - 1).reason().endsWith("(nobody answered in time: this gateway probes)"));
  }
}
