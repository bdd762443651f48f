package dev.rebound.gateway.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared request budget's scripts on a real Redis, with the times the gateways would pass (no sleeping): a report
 * is reckoned against every request that may reach the backend after the reported one, so requests that cross on the
 * way never make the lane reckon more left than there is.
 */
class PaceShareTest {
  static final Vertx vertx = Vertx.vertx();
  static Process redis;
  static Redis client;
  static int lane;

  final Instant t0 = Instant.parse("2026-12-05T08:00:00Z");
  final Instant refill = t0.plusSeconds(2);
  PaceShare share;
  String model;

  @BeforeAll
  static void startRedis() throws Exception {
    Path dir = Files.createTempDirectory("rebound-pace-");
    int port = TestRedis.freePort();
    redis = TestRedis.start(vertx, port, dir, false);
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
  }

  @AfterAll
  static void stopRedis() {
    client.close();
    redis.destroyForcibly();
    vertx.close().await();
  }

  @BeforeEach
  void newLane() {
    share = new PaceShare(vertx, client, message -> {}, () -> 3);
    model = "m" + (++lane);
  }

  long count(long atMs) {
    return share.count("b", model, t0.plusMillis(atMs)).await().seq();
  }

  boolean report(long seq, long remaining, Instant refill, long atMs) {
    RateBudget.Limit said = new RateBudget.Limit("requests", 10L, remaining, refill);
    return share.report("b", model, seq, said, t0.plusMillis(atMs)).await();
  }

  /** What the lane reckons is left, as the next request numbered at {@code atMs} is told. */
  long left(long atMs) {
    return share.count("b", model, t0.plusMillis(atMs)).await().left();
  }

  @Test
  void aRequestSentJustBeforeTheReportedOneCountsAsUnseenSoTwoThatCrossOnTheWayNeverOverstateWhatIsLeft() {
    long a = count(0);
    long b = count(5);
    assertTrue(a < b);
    // b reached the backend first: 9 left as of b, and a, sent 5 ms earlier on another gateway, arrives after
    assertTrue(report(b, 9, refill, 20));
    assertEquals(8, left(30), "a is not in b's count: 8 left, not 9");
  }

  @Test
  void requestsSentAfterTheReportedOneAreUnseenAndThoseSentWellBeforeItAreNot() {
    long a = count(0);
    long b = count(500);
    count(600);
    count(700);
    assertTrue(report(b, 8, refill, 650));
    assertEquals(6, left(800), "a (500 ms before b) is in b's count; the two sent after b are not");
    assertTrue(a > 0);
  }

  @Test
  void ofTwoReportsOfAWindowTheOneThatReckonsMoreLeftStandsForNeitherCanReckonTooMuch() {
    long a = count(0);
    long b = count(10);
    assertTrue(report(b, 8, refill, 30));
    assertEquals(7, left(40), "as of b, a may have arrived after it: counted unseen (this asking is a request too)");
    long c = count(40);
    assertTrue(report(a, 9, refill, 50), "a arrived first: 9 as of a, with 3 sent after it, reckons 6; b's says 5 now");
    assertEquals(6, left(60), "the truth: 4 sent of 10");
    long d = count(1_000);
    assertTrue(report(d, 5, refill, 1_010), "5 as of d, sent alone in its moment: exactly");
    assertEquals(5, left(1_020));
    assertFalse(report(c, 5, refill, 1_030), "c's report counts all but itself unseen: the better one stands");
    assertEquals(4, left(1_040), "the request asked at 1,020 is unseen");
  }

  @Test
  void aReportOfAnOlderWindowIsIgnoredAndOneOfANewerWindowReplacesTheReckoning() {
    long a = count(0);
    assertTrue(report(a, 2, refill, 10));
    long b = count(3_000);
    assertTrue(report(b, 9, refill.plusSeconds(2), 3_010), "the refill came: a new window");
    assertEquals(9, left(3_020));
    assertFalse(report(a, 0, refill, 1_900), "an answer of the old window, late");
    assertEquals(8, left(3_030));
  }

  @Test
  void aReportOfARequestRedisNeverNumberedIsNotReckoned() {
    count(0);
    assertFalse(report(0, 3, refill, 10), "no number: which requests it saw is unknown");
    assertFalse(report(999, 3, refill, 10));
    assertEquals(-1, left(20), "nothing known: requests go at once");
  }

  @Test
  void aLowLaneSpreadsItsSlotsUntilTheRefillAndWithNoneLeftWaitsForIt() {
    long a = count(0);
    assertTrue(report(a, 2, refill, 1_000));
    Pacing.Count first = share.take("b", model, t0.plusMillis(1_000), 0.2, null).await();
    assertEquals(2, first.left());
    assertEquals(Duration.ZERO, first.delay(), "the first of the last two goes now");
    Pacing.Count second = share.take("b", model, t0.plusMillis(1_000), 0.2, null).await();
    assertEquals(1, second.left());
    assertEquals(Duration.ofMillis(500), second.delay(), "1,000 ms to the refill over 2 left");
    Pacing.Count third = share.take("b", model, t0.plusMillis(1_000), 0.2, null).await();
    assertEquals(0, third.left(), "the paced one counts as sent at its slot");
    assertEquals(Duration.ofMillis(1_050), third.delay(), "none left: the refill, and a margin for clocks");
  }

  @Test
  void aLaneKeepsAboutAsManySentRequestsAsItMayAndReckonsNothingThatNeedsOnesItDropped() {
    share = new PaceShare(vertx, client, message -> {}, () -> 3, 10);
    long first = count(0);
    assertTrue(report(first, 9, refill, 5));
    // the 16th request trims: 16 kept is past 10 and a tenth, the oldest six go
    for (int i = 1; i <= 15; i++) count(10 * i);
    assertEquals(-1, left(200), "the reckoning as of the first request needs requests no longer kept: none");
    long recent = count(400);
    assertFalse(report(first, 9, refill, 410), "the first request itself is gone");
    assertTrue(report(recent, 3, refill, 410));
    assertEquals(3, left(420));
  }

  @Test
  void aGatewaysOwnReportSeedsALaneRedisHasNoReportOfAndReckonsLikeAReport() {
    long a = count(0);
    long b = count(5);
    Pacing.Count taken = share.take("b", model, t0.plusMillis(20), 0.5, new Pacing.Known(4, 10L, refill, b)).await();
    assertEquals(3, taken.left(), "as of b: a, sent just before, may arrive after it");
    assertTrue(a < b);
    Pacing.Count provisional = new PaceShare(vertx, client, m -> {}, () -> 3)
        .take("b", model + "x", t0.plusMillis(20), 0.5, new Pacing.Known(4, 10L, refill, 0)).await();
    assertEquals(4, provisional.left(), "of no known request: its word as of now");
  }
}
