package dev.rebound.gateway.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rebound.gateway.MutableClock;
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
  void afterTheResetTimeoutThreeProbesDecide() {
    fail(5);
    clock.advance(Duration.ofSeconds(30));
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
  void aFailedProbeOpensTheBreakerAgain() {
    fail(5);
    clock.advance(Duration.ofSeconds(31));
    assertNull(health.acquire());
    health.failed("still down");
    assertEquals(BackendHealth.State.OPEN, health.state());
  }

  @Test
  void aCooldownLastsUntilTheTimeTheBackendGave() {
    health.coolUntil(clock.instant().plusSeconds(20));
    assertNotNull(health.coolingUntil());
    clock.advance(Duration.ofSeconds(20));
    assertNull(health.coolingUntil());
  }
}
