package dev.rebound.gateway.recovery;

import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import java.time.Duration;

/**
 * What to do after a failed attempt, as a pure function of the attempt's state and the failure: retry the agent after
 * a wait, move on to the next agent, refit the context, give up, or end a stream that cannot be continued. The checks
 * run in order, each a guard with its reason:
 * <ol>
 *   <li>the client already has part of the stream: continue it, unless continuation is off, a tool call was cut
 *       mid-arguments, or the failure cannot be recovered anywhere;</li>
 *   <li>the request overflowed the window of a context the gateway manages (and no stream is continued): give up if
 *       the policy is fail, else refit it, at most {@link #MAX_REFITS} times per agent;</li>
 *   <li>the {@link RetryPolicy}: retry within the attempts and the wait budget, or move on; with no other agent to go
 *       to, a failure that passes with time is outlasted for as long as the wait budget lasts.</li>
 * </ol>
 */
public final class RecoveryDecider {
  /** A backend that refuses connections but answered within this long is taken to be restarting, and waited for. */
  public static final Duration RESTARTING_WITHIN = Duration.ofMinutes(10);
  /** Refits sized by an upstream's overflow errors on one agent before the plan moves on. */
  static final int MAX_REFITS = 3;

  private final RetryPolicy policy;

  RecoveryDecider(RetryPolicy policy) {
    this.policy = policy;
  }

  public static RecoveryDecider from(ReboundConfig config) {
    return new RecoveryDecider(RetryPolicy.from(config));
  }

  /** @param random uniform in [0, 1): the backoff's jitter, passed in so the decision stays pure */
  public Recovery decide(AttemptState state, Failure failure, double random) {
    boolean continues = state.continuing();
    if (state.eventsRelayed()) {
      String impossible = continuationImpossible(state, failure.kind());
      if (impossible != null) return new Recovery.CannotContinue(impossible);
      continues = true;
    }
    OnOverflow overflow = state.overflowPolicy();
    if (failure.kind().overflowsWindow() && !continues && overflow != null) {
      if (overflow == OnOverflow.FAIL) {
        return new Recovery.GiveUp("context.onOverflow is fail: the overflow goes back to the client");
      }
      if (state.refitsOnAgent() < MAX_REFITS && state.fitted()) {
        return new Recovery.Refit(overflow, state.refitsOnAgent() + 1);
      }
    }
    return byRetryPolicy(state, failure, random, continues);
  }

  /**
   * After a {@link Recovery.Refit} that came to nothing (the context step failed, or had no smaller request to
   * offer): retry, move on or give up as the retry policy says.
   */
  public Recovery afterFailedRefit(AttemptState state, Failure failure, double random) {
    return byRetryPolicy(state, failure, random, state.continuing());
  }

  /** Null when the cut answer can be continued; otherwise why not. */
  private static String continuationImpossible(AttemptState state, FailureKind kind) {
    if (!state.continueStreams()) return "continuation is disabled (resilience.continueStreams)";
    if (state.toolCallCut()) return "a tool call's arguments were cut mid-way";
    if (!kind.retryable() && !kind.fallbackAvailable()) return kind.type() + " cannot be recovered";
    return null;
  }

  private Recovery byRetryPolicy(AttemptState state, Failure failure, double random, boolean continues) {
    FailureKind kind = failure.kind();
    // nowhere else to go: outlast what the backend says will pass (a refused connection only if it answered lately)
    boolean nowhereElse = state.lastAgent() && (kind != FailureKind.CONNECT || state.answeredRecently());
    RecoveryDecision decision = policy.decide(failure, state.backend(), state.attemptsOnAgent(), state.budgetLeft(),
        random, nowhereElse);
    if (decision instanceof RecoveryDecision.Retry r) {
      return new Recovery.Retry(r.delay(), r.reason(), continues,
          (continues ? "continued-after-" : "retried-after-") + kind.recoveryLabel());
    }
    if (decision instanceof RecoveryDecision.NextAgent n) {
      if (state.lastAgent()) return new Recovery.GiveUp("every agent of the plan was tried");
      return new Recovery.NextAgent(n.reason(), continues,
          (continues ? "continued-after-" : "fell-back-after-") + kind.recoveryLabel());
    }
    return new Recovery.GiveUp(decision.reason());
  }
}
