package dev.rebound.gateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.RoutingConfig;
import dev.rebound.gateway.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The figures best-match reads per agent and task: each signal, its weight, its window, and the words of explain. */
class OutcomeBoardTest {
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  final OutcomeBoard board = new OutcomeBoard(RoutingConfig.Outcomes.DEFAULT, clock);

  private void answers(String agent, int n, long elapsedMs, long ttftMs, double tps, double cost, int recoveries) {
    for (int i = 0; i < n; i++) {
      board.record(agent, "code", new OutcomeBoard.Measured(true, elapsedMs, ttftMs, tps, cost, recoveries));
    }
  }

  @Test
  void nothingCountsBeforeMinSamplesOutcomesAndAnAgentAsGoodAsTheBestLosesNothing() {
    answers("a", 4, 100, 50, 40, 1, 0);
    assertEquals(0, board.score("a", "code"));
    assertNull(board.reason("a", "code"));
    answers("a", 1, 100, 50, 40, 1, 0);
    answers("b", 5, 100, 50, 40, 1, 0);
    assertEquals(0, board.score("a", "code"));
    assertEquals("100% of its last 5 code attempts answered", board.reason("a", "code"));
  }

  @Test
  void eachMeasuredSignalCostsItsWeightPerDoublingAgainstTheBestAgentOnTheTask() {
    answers("best", 5, 100, 50, 40, 1, 0);
    // twice the first-token time (1 x 1), half the tokens per second (0.5 x 1), four times the cost (0.5 x 2)
    answers("worse", 5, 100, 100, 20, 4, 0);
    assertEquals(-2.5, board.score("worse", "code"), 1e-9);
    assertEquals(0, board.score("best", "code"));
    assertEquals("100% of its last 5 code attempts answered, first token 2.0x later than the quickest, writes 2.0x"
        + " slower (20 tokens/s), 4.0x the cost per request of the cheapest (-2.50)", board.reason("worse", "code"));
    assertEquals(0, board.score("worse", "translate"), "another task knows nothing of it");
  }

  @Test
  void answerAndFirstTokenTimesAreRankedByTheirMedianSoOneSlowOutlierDoesNotMoveAnAgent() {
    answers("steady", 8, 100, 50, -1, -1, 0);
    answers("steady", 1, 5_000, 3_000, -1, -1, 0); // a cold start or a pause: the mean would be 644 ms
    answers("other", 9, 150, 50, -1, -1, 0);
    assertEquals(0, board.score("steady", "code"), 1e-9, "the fastest by its median (100 ms)");
    assertEquals(-0.585, board.score("other", "code"), 1e-9, "1.5x the fastest median answer time: log2(1.5) x 1");
    answers("steady", 9, 400, 200, -1, -1, 0);
    // most of its answers are slow now: median 400 ms of the 18 held (2.67x the other's 150: -1.415) and first token
    // 200 ms (4x the other's 50: two doublings, -2)
    assertEquals(-3.415, board.score("steady", "code"), 1e-9);
    assertEquals(0, board.score("other", "code"), 1e-9);
  }

  @Test
  void anAgentAnsweringInUnderAMillisecondStillOutranksASlowOne() {
    answers("instant", 5, 0, 0, -1, -1, 0); // whole milliseconds: a local answer in 0.4 ms reads 0
    answers("slow", 5, 300, 300, -1, -1, 0);
    assertEquals(-4, board.score("slow", "code"), 1e-9, "300x the fastest answer time and first token: at most 2 each");
    assertEquals(0, board.score("instant", "code"), 1e-9);
    assertTrue(board.reason("slow", "code").contains("300.0x slower than the fastest"), board.reason("slow", "code"));
  }

  @Test
  void recoveriesAnAnswerNeededCostTheirWeightEachOnAverageAtMostThree() {
    answers("retried", 5, 100, -1, -1, -1, 1);
    assertEquals(-1, board.score("retried", "code"), 1e-9);
    assertTrue(board.reason("retried", "code").contains("1.0 recoveries per answer"), board.reason("retried", "code"));
    answers("retried", 5, 100, -1, -1, -1, 9);
    assertEquals(-3, board.score("retried", "code"), 1e-9, "capped");
  }

  @Test
  void onlyTheNewestOutcomesAndThoseWithinTheWindowCountAndTheSumsFollowWhatIsDropped() {
    for (int i = 0; i < OutcomeBoard.KEPT; i++) board.record("a", "code", false, 100);
    assertEquals(-6, board.score("a", "code"), 1e-9, "all failed");
    for (int i = 0; i < OutcomeBoard.KEPT / 2; i++) board.record("a", "code", true, 100);
    assertEquals(-3, board.score("a", "code"), 1e-9, "the oldest half dropped: half of the newest 200 failed");
    clock.advance(Duration.ofMinutes(6));
    assertEquals(0, board.score("a", "code"), "older than the window: forgotten");
    board.record("a", "code", true, 100);
    assertNull(board.reason("a", "code"), "counting starts again");
  }

  @Test
  void aStandingReadBeforeSomeOutcomesAgeOutIsWorkedOutAgainWhenTheyDo() {
    for (int i = 0; i < 5; i++) board.record("a", "code", false, 100);
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(50)); // less than staleAfter (a minute): the answers add to the failures
      board.record("a", "code", true, 100);
    }
    assertEquals(-3, board.score("a", "code"), 1e-9, "half failed");
    assertEquals(-3, board.score("a", "code"), 1e-9, "read again, nothing changed");
    clock.advance(Duration.ofSeconds(60));
    assertEquals(0, board.score("a", "code"), 1e-9, "the failures are older than the window: only the answers count");
    assertEquals("100% of its last 5 code attempts answered", board.reason("a", "code"));
  }

  @Test
  void votesMoveAnAgentAtOnceAndUpToTheFeedbackWeightAsTheyPileUpWithinTheirWindow() {
    board.feedback("a", "code", -1);
    assertEquals(-1, board.score("a", "code"), 1e-9, "3 x -1 / (1 + 2)");
    assertEquals("feedback -1.0 over 1 vote on code (-1.00)", board.reason("a", "code"));
    for (int i = 0; i < 98; i++) board.feedback("a", "code", -1);
    assertEquals(-2.941, board.score("a", "code"), 1e-9, "3 x -99 / 101, to the thousandth");
    board.feedback("b", "code", 5);
    assertEquals(1, board.score("b", "code"), 1e-9, "a vote is at most +1");
    clock.advance(Duration.ofMinutes(61));
    assertEquals(0, board.score("a", "code"), "older than feedbackWindow (1 h): forgotten");
  }

  @Test
  void whatTheBoardLearnsIsToldToOthersAndWhatItHearsIsNotPassedOn() {
    java.util.List<String> told = new java.util.ArrayList<>();
    board.share(new OutcomeBoard.Learned() {
      @Override
      public void outcome(String agent, String task, OutcomeBoard.Measured m) {
        told.add("outcome " + agent + " " + task + " " + m.answered());
      }

      @Override
      public void feedback(String agent, String task, double score) {
        told.add("feedback " + agent + " " + task + " " + score);
      }
    });
    board.record("a", "code", false, 10);
    board.feedback("a", "code", -1);
    board.heard("a", "code", OutcomeBoard.Measured.failed(10));
    board.heardFeedback("a", "code", -1);
    assertEquals(java.util.List.of("outcome a code false", "feedback a code -1.0"), told);
  }
}
