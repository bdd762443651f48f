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
  void aRequestHandedItsSlotEarlierButSentLaterCountsAgainstTheReportOfOneSentBeforeIt() {
    Pacing.Slot first = pacing.take("b", "m");
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), first.seq());
    Pacing.Slot now = pacing.take("b", "m");
    Pacing.Slot later = pacing.take("b", "m");
    assertEquals(Duration.ofMillis(500), later.delay(), "paced: it goes half a second from now");
    pacing.reported("b", "m", left(9, 10, Duration.ofSeconds(1)), now.seq()); // the window refilled meanwhile
    Pacing.Slot atOnce = pacing.take("b", "m");
    assertEquals(Duration.ZERO, atOnce.delay(), "plenty left");
    // the backend counted the request that went at once, not the paced one still waiting: 3 left means 2 for the rest
    pacing.reported("b", "m", left(3, 10, Duration.ofSeconds(1)), atOnce.seq());
    Pacing.Slot next = pacing.take("b", "m");
    assertTrue(next.delay().compareTo(Duration.ZERO) > 0, "the waiting one is counted, so this one is paced");
    assertTrue(next.why().contains("has 2 of 10"), next.why());
  }

  @Test
  void aPacedRequestThatGoesAtOnceAfterAllIsCountedFromWhenItWent() {
    Pacing.Slot first = pacing.take("b", "m");
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), first.seq());
    Pacing.Slot now = pacing.take("b", "m");
    Pacing.Slot later = pacing.take("b", "m");
    assertEquals(Duration.ofMillis(500), later.delay());
    pacing.goesNow("b", "m", later); // its wait budget was shorter than its pace
    pacing.reported("b", "m", left(9, 10, Duration.ofSeconds(1)), now.seq());
    // the next one goes longer after the paced one went than two requests can cross on the way, but just after the
    // paced one's slot
    clock.advance(Pacing.CROSSING.plusMillis(1));
    Pacing.Slot atOnce = pacing.take("b", "m");
    // the backend had the paced one before this one: 3 left after this one are 3 for the rest, not 2
    pacing.reported("b", "m", left(3, 10, Duration.ofSeconds(1)), atOnce.seq());
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "3 left is above the share (2 of 10): at once");
  }

  @Test
  void aPacedRequestWhoseTimerFiredLateIsCountedFromWhenItWentNotFromItsSlot() {
    Pacing.Slot first = pacing.take("b", "m");
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), first.seq());
    Pacing.Slot now = pacing.take("b", "m");
    Pacing.Slot later = pacing.take("b", "m");
    assertEquals(Duration.ofMillis(500), later.delay(), "its slot is half a second from now");
    pacing.reported("b", "m", left(9, 10, Duration.ofSeconds(1)), now.seq()); // the window refilled meanwhile
    clock.advance(Duration.ofMillis(600));
    Pacing.Slot atOnce = pacing.take("b", "m");
    assertEquals(Duration.ZERO, atOnce.delay(), "plenty left");
    clock.advance(Duration.ofMillis(100));
    pacing.goesNow("b", "m", later); // its timer fired 200 ms late, on a busy loop: after the other one went
    // the backend counted the one that went at once, not the late one: 3 left means 2 for the rest
    pacing.reported("b", "m", left(3, 10, Duration.ofSeconds(1)), atOnce.seq());
    Pacing.Slot next = pacing.take("b", "m");
    assertTrue(next.delay().compareTo(Duration.ZERO) > 0, "the late one is counted, so this one is paced");
    assertTrue(next.why().contains("has 2 of 10"), next.why());
  }

  @Test
  void aPacedRequestWhoseClientLeftWhileItWaitedIsCountedNowhere() {
    Pacing.Slot first = pacing.take("b", "m");
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), first.seq());
    Pacing.Slot now = pacing.take("b", "m");
    Pacing.Slot later = pacing.take("b", "m");
    assertEquals(Duration.ofMillis(500), later.delay());
    pacing.notSent("b", "m", later);
    pacing.reported("b", "m", left(9, 10, Duration.ofSeconds(1)), now.seq());
    Pacing.Slot atOnce = pacing.take("b", "m");
    pacing.reported("b", "m", left(3, 10, Duration.ofSeconds(1)), atOnce.seq());
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "the one that never went takes nothing of the 3 left");
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
  void anAnswerThatCrossedANewerOneOnTheWayAndSaysLessIsLeftLowersTheCount() {
    Pacing.Slot a = pacing.take("b", "m");
    Pacing.Slot b = pacing.take("b", "m");
    // b reached the backend first (a's connection was slower): b's answer says 3 left, a's, arriving later, 2
    pacing.reported("b", "m", left(3, 10, Duration.ofSeconds(1)), b.seq());
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), a.seq());
    Pacing.Slot next = pacing.take("b", "m");
    Pacing.Slot after = pacing.take("b", "m");
    assertTrue(after.why() != null && after.why().contains("has 1 of 10"), "2 left, not 3, before these two: " + after);
    // a later window's report from an older request says nothing of this one
    pacing.reported("b", "m", left(9, 10, Duration.ofSeconds(1)), next.seq());
    pacing.reported("b", "m", left(1, 10, Duration.ofSeconds(5)), a.seq());
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "9 left as of the newest report");
  }

  @Test
  void aRequestSentJustBeforeTheReportedOneIsNotTakenAsCountedUntilItsOwnAnswerComes() {
    Pacing.Slot a = pacing.take("b", "m");
    Pacing.Slot b = pacing.take("b", "m");
    // both went at once, a first, on two connections; the backend counted b first and b's answer came first: 2 left,
    // a not among them yet
    pacing.reported("b", "m", left(2, 10, Duration.ofSeconds(1)), b.seq());
    Pacing.Slot c = pacing.take("b", "m");
    assertEquals(Duration.ZERO, c.delay(), "1 left after a: this one goes now");
    Pacing.Slot d = pacing.take("b", "m");
    assertEquals(Duration.ofMillis(1050), d.delay(), "a and c took the 2 left: none until the refill");
    // a's answer says 1 left (it was counted after b): the count holds a now, and c is still unseen
    pacing.reported("b", "m", left(1, 10, Duration.ofSeconds(1)), a.seq());
    assertEquals(Duration.ofMillis(1050), pacing.take("b", "m").delay(), "1 left less c (and d): none");
  }

  @Test
  void aRequestSentWellBeforeTheReportedOneOrAnsweredBeforeItWentIsTakenAsCounted() {
    Pacing.Slot slow = pacing.take("b", "m");
    Pacing.Slot quick = pacing.take("b", "m");
    pacing.reported("b", "m", null, quick); // answered, with no count of what is left
    clock.advance(Pacing.CROSSING.plusMillis(1));
    Pacing.Slot reported = pacing.take("b", "m");
    pacing.reported("b", "m", left(3, 10, Duration.ofSeconds(1)), reported.seq());
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "3 left above the share: the slow one (still unanswered"
        + " but sent long before) and the quick one (answered before it went) are in the count");
    assertEquals(Duration.ZERO, pacing.take("b", "m").delay(), "2 left less the one sent since: the first of 2 goes now");
    Pacing.Slot third = pacing.take("b", "m");
    assertEquals(Duration.ofMillis(500), third.delay(), "the second of 2 half the time later");
    assertTrue(third.why().contains("has 1 of 10"), third.why());
    assertTrue(slow.seq() < quick.seq(), "the slots in the order taken");
  }

  @Test
  void paceBelowZeroTurnsPacingOff() {
    Pacing off = new Pacing(clock, 0);
    Pacing.Slot s = off.take("b", "m");
    off.reported("b", "m", left(0, 10, Duration.ofSeconds(5)), s.seq());
    assertEquals(Duration.ZERO, off.take("b", "m").delay());
  }

  /** The other gateways as a test sees them: how many, and what this gateway told them. */
  static final class Others implements Pacing.Shared {
    int gateways = 3;
    final List<String> said = new java.util.ArrayList<>();

    @Override
    public int gateways() {
      return gateways;
    }

    long numbered = 100;
    /** What Redis reckons is left, as COUNT answers it (-1: nothing known). */
    long left = -1;
    /** When set, COUNT answers only once the test completes this. */
    io.vertx.core.Promise<Void> countAnswers;

    @Override
    public io.vertx.core.Future<Pacing.Count> count(String backend, String model, Instant now) {
      said.add("count");
      if (countAnswers != null) {
        long seq = ++numbered;
        return countAnswers.future().map(v -> new Pacing.Count(seq, left, 10L, null, Duration.ZERO, null));
      }
      return io.vertx.core.Future.succeededFuture(new Pacing.Count(++numbered, left, 10L,
          left < 0 ? null : now.plusSeconds(2), Duration.ZERO, null));
    }

    @Override
    public io.vertx.core.Future<Pacing.Count> take(String backend, String model, Instant now, double paceBelow, Pacing.Known known) {
      said.add("take " + (known == null ? "?" : known.left() + "@" + known.seq()));
      return io.vertx.core.Future.succeededFuture(new Pacing.Count(++numbered, 1, 10L, now.plusSeconds(2),
          Duration.ofMillis(7), "shared"));
    }

    @Override
    public void reported(String backend, String model, long seq, RateBudget.Limit requests, Instant now) {
      said.add("report " + seq + " " + requests.remaining());
    }

    @Override
    public void lowered(String backend, String model, Instant until) {
      said.add("lowered until " + until);
    }
  }

  @Test
  void withOtherGatewaysEveryRequestIsNumberedInRedisAndWaitsForItsSlotThereOnceTheLaneComesDownToTheirShare() {
    Others others = new Others();
    pacing.share(others);
    assertEquals(7, pacing.sharedLevel(10L, 3), "three gateways: at 7 of 10 left");
    assertEquals(2, pacing.sharedLevel(10L, 1), "alone: the pace level");
    Pacing.Slot first = pacing.next("b", "m").result();
    assertEquals(List.of("count"), others.said, "nothing known: it goes at once, numbered on the way");
    assertTrue(first.shared() && first.delay().isZero());
    pacing.reported("b", "m", left(8, 10, Duration.ofSeconds(2)), first);
    assertEquals(List.of("count"), others.said, "8 left: no report needed while plenty is left");
    Pacing.Slot second = pacing.next("b", "m").result();
    pacing.reported("b", "m", left(7, 10, Duration.ofSeconds(2)), second);
    assertEquals(List.of("count", "count", "lowered until " + clock.instant().plusSeconds(62), "report 102 7"),
        others.said, "at 7 the others hear it, and the report goes to the shared count with its number");
    Pacing.Slot waited = pacing.next("b", "m").result();
    assertEquals(Duration.ofMillis(7), waited.delay(), "from now on the slot comes from the shared count");
    assertEquals("take 7@102", others.said.get(4), "with this gateway's report and its number, for a lane Redis lacks");
    pacing.reported("b", "m", left(5, 10, Duration.ofSeconds(2)), waited);
    assertEquals("report 103 5", others.said.get(5), "a shared slot's report carries its shared number");
  }

  @Test
  void anAnswerThatArrivesBeforeRedisNumberedItsRequestIsReportedWithItsNumberOnceKnown() {
    Others others = new Others();
    pacing.share(others);
    others.countAnswers = io.vertx.core.Promise.promise();
    Pacing.Slot sent = pacing.next("b", "m").result();
    pacing.reported("b", "m", left(7, 10, Duration.ofSeconds(2)), sent);
    assertEquals(List.of("count", "lowered until " + clock.instant().plusSeconds(62)), others.said,
        "the others hear at once that the lane came down; the report waits for the request's number");
    others.countAnswers.complete();
    assertEquals("report 101 7", others.said.get(2), "reckoned as of that request, not of every request numbered since");
  }

  @Test
  void whatRedisReckonsIsLeftLowersTheLaneHereWithoutAReportOfItsOwn() {
    Others others = new Others();
    pacing.share(others);
    others.left = 6;
    assertTrue(pacing.next("b", "m").result().delay().isZero(), "it went before the answer said so");
    assertTrue(pacing.counted("b", "m"), "the others' requests brought the lane down to 6 of 10");
    pacing.next("b", "m");
    assertEquals("take ?", others.said.get(1), "the next one waits for its slot from Redis");
  }

  @Test
  void aLaneAnotherGatewaySawComeDownIsCountedInRedisHereTooUntilTheTimeItSaid() {
    Others others = new Others();
    pacing.share(others);
    pacing.heardLowered("b", "m", clock.instant().plusSeconds(5));
    pacing.next("b", "m").result();
    assertEquals("take ?", others.said.get(0), "this gateway knows nothing of the lane itself");
    clock.advance(Duration.ofSeconds(6));
    pacing.next("b", "m").result();
    assertEquals("count", others.said.get(1), "after that, at once again");
    others.gateways = 1;
    pacing.heardLowered("b", "m", clock.instant().plusSeconds(5));
    assertTrue(!pacing.next("b", "m").result().shared(), "the others gone: nothing to share");
    assertEquals(2, others.said.size());
  }
}
