package dev.rebound.gateway.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacingTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  private final Pacing pacing = new Pacing(clock, 0.2);

  private RateBudget left(long remaining, long limit, Duration refillIn) {
    return new RateBudget(clock.instant(), List.of(new RateBudget.Limit("requests", limit, remaining, clock.instant().plus(refillIn))));
  }

  @Test
  void requestsGoAtOnceWhileMoreThanTheShareIsLeftOrNothingIsKnown() {
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "no report yet");
    pacing.reported("b", "m", left(9, 10, Duration.ofSeconds(2)), 1);
    for (int i = 0; i < 6; i++) assertEquals(Duration.ZERO, pacing.take("b", "m").delay());
  }

  @Test
  void theLastRequestsOfALimitAreSpreadOverTheTimeUntilItRefillsThenWaitForTheRefill() {
    Pacing.Slot first = pacing.take("b", "m");
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), first.seq());
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "2 left of 10: the first of them goes now");
    Pacing.Slot second = pacing.take("b", "m");
    assertEquals(Duration.ofMillis(500), second.delay(), "the other one half the time later");
    assertTrue(second.why().contains("2 of 10") || second.why().contains("1 of 10"), second.why());
    assertEquals(Duration.ofMillis(1050), pacing.take("b", "m").delay(), "none left: after the refill");
  }

  @Test
  void requestsHandedOutAfterTheReportedOneCountAgainstWhatItSaid() {
    Pacing.Slot reported = pacing.take("b", "m");
    pacing.take("b", "m");
    pacing.take("b", "m");
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), reported.seq());
    assertEquals(Duration.ofMillis(1050), pacing.take("b", "m").delay(), "the two sent since took what was left");
  }

  @Test
  void aReportOlderThanTheNewestIsIgnoredAndAPassedRefillEndsThePace() {
    Pacing.Slot a = pacing.take("b", "m");
    Pacing.Slot b = pacing.take("b", "m");
    pacing.reported("b", "m", left(0, 10, Duration.ofSeconds(1)), b.seq());
    pacing.reported("b", "m", left(5, 10, Duration.ofSeconds(1)), a.seq());
    assertTrue(pacing.take("b", "m").delay().toMillis() >= 1000, "the newer report (none left) stands");
    clock.advance(Duration.ofSeconds(2));
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "a refilled limit is not known to be short");
  }

  @Test
  void paceBelowZeroTurnsPacingOff() {
    Pacing off = new Pacing(clock, 0);
    Pacing.Slot s = off.take("b", "m");
    off.reported("b", "m", left(0, 10, Duration.ofSeconds(5)), s.seq());
    assertEquals(Duration.ZERO, off.take("b", "m").delay());
  }
}
