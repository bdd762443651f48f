package dev.rebound.gateway.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rebound.gateway.testing.MutableClock;
import dev.rebound.gateway.config.ResilienceConfig;
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
      assertNull(health.acquire());
      health.failed("boom");
    }
  }

  @Test
  void fiveFailuresWithinTheWindowOpenTheBreaker() {
    fail(4);
    assertEquals(BackendHealth.State.CLOSED, health.state());
    fail(1);
    assertEquals(BackendHealth.State.OPEN, health.state());
    assertNotNull(health.acquire(), "an open breaker refuses work");
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
    for (int i = 0; i < 3; i++) assertNull(health.acquire(), "probe " + i);
    assertNotNull(health.acquire(), "a fourth concurrent probe waits");
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
      assertNull(health.acquire(), "probe " + probe);
      health.failed("still down");
      assertEquals(BackendHealth.State.OPEN, health.state());
    }
    assertEquals(List.of(2L, 4L, 8L, 16L, 30L, 30L), waits);
    clock.advance(health.nextProbeIn());
    for (int i = 0; i < 3; i++) {
      assertNull(health.acquire());
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
    for (int i = 0; i < 3; i++) assertNull(health.acquire());
    assertNull(health.nextProbeIn());
    health.succeeded();
    assertEquals(Duration.ZERO, health.nextProbeIn());
  }

  @Test
  void theSameRequestFailingAgainCountsOnce() {
    for (int i = 0; i < 20; i++) {
      assertNull(health.acquire());
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
    assertNull(health.acquire());
    health.failed("connection refused", null, true);
    for (int probe = 0; probe < 4; probe++) {
      assertEquals(Duration.ofSeconds(1), health.nextProbeIn(), "probe " + probe + ": every second, never put off");
      clock.advance(Duration.ofSeconds(1));
      assertNull(health.acquire());
      health.failed("connection refused", null, true);
    }
  }
}
