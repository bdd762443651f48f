package dev.rebound.gateway.recovery;

import static dev.rebound.gateway.failure.FailureKind.AUTH;
import static dev.rebound.gateway.failure.FailureKind.CONNECT;
import static dev.rebound.gateway.failure.FailureKind.CONTEXT_OVERFLOW;
import static dev.rebound.gateway.failure.FailureKind.INVALID_REQUEST;
import static dev.rebound.gateway.failure.FailureKind.NO_ROUTE;
import static dev.rebound.gateway.failure.FailureKind.OUTPUT_LIMIT;
import static dev.rebound.gateway.failure.FailureKind.OVERLOADED;
import static dev.rebound.gateway.failure.FailureKind.QUOTA_EXHAUSTED;
import static dev.rebound.gateway.failure.FailureKind.RATE_LIMITED;
import static dev.rebound.gateway.failure.FailureKind.SERVER_ERROR;
import static dev.rebound.gateway.failure.FailureKind.STREAM_CUT;
import static dev.rebound.gateway.failure.FailureKind.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every branch of the recovery decision, one row each; the random number is part of the row, so each is exact. */
class RecoveryDeciderTest {
  /** 3 attempts, 100 ms doubling up to 30 s, +-25 % jitter (at random 0.5 the backoff is nominal). */
  static final ResilienceConfig.Retry DEFAULTS =
      new ResilienceConfig.Retry(3, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.25);
  static final RecoveryDecider DECIDER = new RecoveryDecider(new RetryPolicy(DEFAULTS, Map.of(), Map.of()));

  record Case(String name, AttemptState state, Failure failure, double random, Recovery expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decisions")
  void decides(Case c) {
    assertEquals(c.expected(), DECIDER.decide(c.state(), c.failure(), c.random()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("afterFailedRefits")
  void decidesAfterARefitThatCameToNothing(Case c) {
    assertEquals(c.expected(), DECIDER.afterFailedRefit(c.state(), c.failure(), c.random()));
  }

  static Stream<Case> decisions() {
    return Stream.of(
        // 1. the client already has part of the stream
        new Case("a relayed stream is not continued when continuation is disabled",
            state().relayed().continueStreams(false).build(), failure(SERVER_ERROR), 0.5,
            new Recovery.CannotContinue("continuation is disabled (resilience.continueStreams)")),
        new Case("a tool call cut mid-arguments cannot be continued",
            state().relayed().toolCallCut().build(), failure(STREAM_CUT), 0.5,
            new Recovery.CannotContinue("a tool call's arguments were cut mid-way")),
        new Case("a relayed stream whose failure no agent can recover is not continued",
            state().relayed().build(), failure(INVALID_REQUEST), 0.5,
            new Recovery.CannotContinue("invalid_request cannot be recovered")),
        new Case("no route cannot be recovered either",
            state().relayed().build(), failure(NO_ROUTE), 0.5,
            new Recovery.CannotContinue("no_route cannot be recovered")),
        new Case("disabled continuation is said before a cut tool call",
            state().relayed().continueStreams(false).toolCallCut().build(), failure(INVALID_REQUEST), 0.5,
            new Recovery.CannotContinue("continuation is disabled (resilience.continueStreams)")),
        new Case("a cut stream is continued on the same agent after the backoff",
            state().relayed().build(), failure(STREAM_CUT), 0.5,
            new Recovery.Retry(Duration.ofMillis(100), "backoff #1 is 100ms", true, "continued-after-cut")),
        new Case("a stream continued once is continued again",
            state().relayed().continuing().attempts(2).build(), failure(SERVER_ERROR), 0.5,
            new Recovery.Retry(Duration.ofMillis(200), "backoff #2 is 200ms", true, "continued-after-server-error")),
        new Case("a relayed stream continues on the next agent when this one is not retried",
            state().relayed().build(), failure(AUTH), 0.5,
            new Recovery.NextAgent("auth is not retried on the same backend", true, "continued-after-auth")),
        new Case("an overflow in a continued stream is not refitted: the next agent continues it",
            state().relayed().overflow(OnOverflow.TRUNCATE).fitted().build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.NextAgent("context_overflow is not retried on the same backend", true,
                "continued-after-context-overflow")),
        new Case("overflow policy fail does not apply to a continued stream",
            state().relayed().continuing().overflow(OnOverflow.FAIL).fitted().build(), failure(OUTPUT_LIMIT), 0.5,
            new Recovery.NextAgent("output_limit is not retried on the same backend", true,
                "continued-after-output-limit")),
        new Case("a relayed stream on the last agent with nothing to retry gives up",
            state().relayed().last().build(), failure(QUOTA_EXHAUSTED), 0.5,
            new Recovery.GiveUp("every agent of the plan was tried")),

        // 2. the request overflowed a context the gateway manages
        new Case("overflow policy fail sends the overflow back to the client",
            state().overflow(OnOverflow.FAIL).fitted().build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.GiveUp("context.onOverflow is fail: the overflow goes back to the client")),
        new Case("overflow policy fail applies even when the prompt could not be counted",
            state().overflow(OnOverflow.FAIL).build(), failure(OUTPUT_LIMIT), 0.5,
            new Recovery.GiveUp("context.onOverflow is fail: the overflow goes back to the client")),
        new Case("a context overflow is refitted by the policy in force",
            state().overflow(OnOverflow.TRUNCATE).fitted().build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.Refit(OnOverflow.TRUNCATE, 1)),
        new Case("an output limit is refitted too, up to the third refit",
            state().overflow(OnOverflow.SUMMARIZE).fitted().refits(2).build(), failure(OUTPUT_LIMIT), 0.5,
            new Recovery.Refit(OnOverflow.SUMMARIZE, 3)),
        new Case("larger-window is a refit as well (the context step moves on)",
            state().overflow(OnOverflow.LARGER_WINDOW).fitted().attempts(2).build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.Refit(OnOverflow.LARGER_WINDOW, 1)),
        new Case("after three refits on one agent the plan moves on",
            state().overflow(OnOverflow.TRUNCATE).fitted().refits(3).build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.NextAgent("context_overflow is not retried on the same backend", false,
                "fell-back-after-context-overflow")),
        new Case("a prompt that went unchanged (not counted) is not refitted",
            state().overflow(OnOverflow.TRUNCATE).build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.NextAgent("context_overflow is not retried on the same backend", false,
                "fell-back-after-context-overflow")),
        new Case("an overflow without a managed context moves on",
            state().build(), failure(OUTPUT_LIMIT), 0.5,
            new Recovery.NextAgent("output_limit is not retried on the same backend", false,
                "fell-back-after-output-limit")),
        new Case("an overflow without a managed context on the last agent gives up",
            state().last().build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.GiveUp("every agent of the plan was tried")),
        new Case("the overflow policy is only for overflows",
            state().overflow(OnOverflow.FAIL).fitted().build(), failure(SERVER_ERROR), 0.5,
            new Recovery.Retry(Duration.ofMillis(100), "backoff #1 is 100ms", false, "retried-after-server-error")),

        // 3. the retry policy
        new Case("an invalid request fails on every agent",
            state().build(), failure(INVALID_REQUEST), 0.5,
            new Recovery.GiveUp("invalid_request will fail on every agent")),
        new Case("a quota stop is not waited out on the same backend",
            state().build(), failure(QUOTA_EXHAUSTED, Duration.ofSeconds(1)), 0.5,
            new Recovery.NextAgent("quota_exhausted is not retried on the same backend", false,
                "fell-back-after-quota-exhausted")),
        new Case("a server-given wait wins over the backoff",
            state().build(), failure(RATE_LIMITED, Duration.ofSeconds(7)), 0.9,
            new Recovery.Retry(Duration.ofSeconds(7), "the server asked to wait 7s", false, "retried-after-429")),
        new Case("a server-given wait wins on later attempts too",
            state().attempts(2).build(), failure(RATE_LIMITED, Duration.ofSeconds(7)), 0.9,
            new Recovery.Retry(Duration.ofSeconds(7), "the server asked to wait 7s", false, "retried-after-429")),
        new Case("a wait longer than the budget left moves on",
            state().budget(Duration.ofSeconds(60)).build(), failure(RATE_LIMITED, Duration.ofSeconds(90)), 0.5,
            new Recovery.NextAgent("the server asked to wait 1m30s, more than the 1m left of the wait budget", false,
                "fell-back-after-429")),
        new Case("a backoff longer than the budget left moves on",
            state().attempts(2).budget(Duration.ofMillis(150)).build(), failure(TIMEOUT), 0.5,
            new Recovery.NextAgent("backoff #2 is 200ms, more than the 150ms left of the wait budget", false,
                "fell-back-after-timeout")),
        new Case("the backoff carries the jitter of the random number",
            state().build(), failure(TIMEOUT), 0.0,
            new Recovery.Retry(Duration.ofMillis(75), "backoff #1 is 75ms", false, "retried-after-timeout")),
        new Case("a cut before anything reached the client is replayed",
            state().build(), failure(STREAM_CUT), 0.5,
            new Recovery.Retry(Duration.ofMillis(100), "backoff #1 is 100ms", false, "retried-after-cut")),
        new Case("the last attempt allowed on an agent moves on",
            state().attempts(3).build(), failure(SERVER_ERROR), 0.5,
            new Recovery.NextAgent("3 attempt(s) on this agent, the most allowed for server_error", false,
                "fell-back-after-server-error")),
        new Case("a server error is not outlasted on the last agent",
            state().attempts(3).last().build(), failure(SERVER_ERROR), 0.5,
            new Recovery.GiveUp("every agent of the plan was tried")),
        new Case("an overload with another agent to go to moves on after its attempts",
            state().attempts(3).build(), failure(OVERLOADED), 0.5,
            new Recovery.NextAgent("3 attempt(s) on this agent, the most allowed for overloaded", false,
                "fell-back-after-overloaded")),
        new Case("an overload on the last agent is outlasted past its attempts",
            state().attempts(3).last().build(), failure(OVERLOADED), 0.5,
            new Recovery.Retry(Duration.ofMillis(400), "backoff #3 is 400ms", false, "retried-after-overloaded")),
        new Case("an outlasted throttle waits as long as the server asks",
            state().attempts(4).last().build(), failure(RATE_LIMITED, Duration.ofSeconds(5)), 0.5,
            new Recovery.Retry(Duration.ofSeconds(5), "the server asked to wait 5s", false, "retried-after-429")),
        new Case("an outlasted server that keeps saying retry now waits at least the backoff",
            state().attempts(6).last().build(), failure(OVERLOADED, Duration.ZERO), 0.5,
            new Recovery.Retry(Duration.ofMillis(3200), "backoff #6 is 3.2s (longer than the server's wait)", false,
                "retried-after-overloaded")),
        new Case("within its attempts a server's retry-after 0 is taken as it is",
            state().attempts(1).last().build(), failure(OVERLOADED, Duration.ZERO), 0.5,
            new Recovery.Retry(Duration.ZERO, "the server asked to wait 0ms", false, "retried-after-overloaded")),
        new Case("outlasting ends with the wait budget",
            state().attempts(9).last().budget(Duration.ofMillis(10)).build(), failure(OVERLOADED), 0.5,
            new Recovery.GiveUp("every agent of the plan was tried")),
        new Case("a refused connection is asked again within a second",
            state().attempts(2).budget(Duration.ofSeconds(120)).build(), failure(CONNECT), 0.5,
            new Recovery.Retry(Duration.ofMillis(200), "backoff #2 is 200ms", false, "retried-after-connect")),
        new Case("a restarting backend on the last agent is outlasted, a second apart",
            state().attempts(5).last().answeredRecently().build(), failure(CONNECT), 0.5,
            new Recovery.Retry(Duration.ofSeconds(1), "backoff #5 is 1s", false, "retried-after-connect")),
        new Case("a backend that never answered is not outlasted",
            state().attempts(3).last().build(), failure(CONNECT), 0.5,
            new Recovery.GiveUp("every agent of the plan was tried")),
        new Case("a refused connection with another agent moves on after its attempts",
            state().attempts(3).answeredRecently().build(), failure(CONNECT), 0.5,
            new Recovery.NextAgent("3 attempt(s) on this agent, the most allowed for connect", false,
                "fell-back-after-connect")));
  }

  static Stream<Case> afterFailedRefits() {
    return Stream.of(
        new Case("an overflow the context step could not refit moves on",
            state().overflow(OnOverflow.TRUNCATE).fitted().refits(1).build(), failure(CONTEXT_OVERFLOW), 0.5,
            new Recovery.NextAgent("context_overflow is not retried on the same backend", false,
                "fell-back-after-context-overflow")),
        new Case("on the last agent it gives up",
            state().overflow(OnOverflow.SUMMARIZE).fitted().refits(1).last().build(), failure(OUTPUT_LIMIT), 0.5,
            new Recovery.GiveUp("every agent of the plan was tried")));
  }

  static Failure failure(FailureKind kind) {
    return failure(kind, null);
  }

  static Failure failure(FailureKind kind, Duration retryAfter) {
    return new Failure(kind, retryAfter, null, null, null, null, "test");
  }

  static StateBuilder state() {
    return new StateBuilder();
  }

  /** A first attempt on agent "b" with another agent after it, nothing relayed, no managed context. */
  static final class StateBuilder {
    private int attempts = 1;
    private boolean last;
    private boolean answeredRecently;
    private Duration budget = Duration.ofSeconds(120);
    private boolean relayed;
    private boolean toolCallCut;
    private boolean continueStreams = true;
    private OnOverflow overflow;
    private boolean fitted;
    private int refits;
    private boolean continuing;

    StateBuilder attempts(int n) { attempts = n; return this; }
    StateBuilder last() { last = true; return this; }
    StateBuilder answeredRecently() { answeredRecently = true; return this; }
    StateBuilder budget(Duration d) { budget = d; return this; }
    StateBuilder relayed() { relayed = true; return this; }
    StateBuilder toolCallCut() { toolCallCut = true; return this; }
    StateBuilder continueStreams(boolean on) { continueStreams = on; return this; }
    StateBuilder overflow(OnOverflow p) { overflow = p; return this; }
    StateBuilder fitted() { fitted = true; return this; }
    StateBuilder refits(int n) { refits = n; return this; }
    StateBuilder continuing() { continuing = true; return this; }

    AttemptState build() {
      return new AttemptState("b", attempts, last, answeredRecently, budget, relayed, toolCallCut, continueStreams,
          overflow, fitted, refits, continuing);
    }
  }
}
