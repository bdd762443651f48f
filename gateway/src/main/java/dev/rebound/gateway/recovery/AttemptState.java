package dev.rebound.gateway.recovery;

import dev.rebound.gateway.config.OnOverflow;
import java.time.Duration;
import java.util.Objects;

/**
 * What the attempt loop knows when an attempt failed: the facts {@link RecoveryDecider} decides on.
 *
 * @param backend          the backend of the agent that failed (retry settings may be per backend)
 * @param attemptsOnAgent  attempts made on this agent, the one that failed included (>= 1)
 * @param lastAgent        no agent of the plan is left after this one
 * @param answeredRecently the backend answered anything within {@link RecoveryDecider#RESTARTING_WITHIN}: one that
 *                         refuses connections now is restarting, and worth waiting for
 * @param budgetLeft       what is left of the request's wait budget
 * @param eventsRelayed    stream events already reached the client: a retry must continue the stream, not replay it
 * @param toolCallCut      the stream was cut in the middle of a tool call's arguments (they cannot be continued)
 * @param continueStreams  resilience.continueStreams
 * @param overflowPolicy   the overflow policy in force for this agent; null when the gateway does not manage the
 *                         request's context (no context, a count_tokens call)
 * @param fitted           the context step fitted what was sent to this agent, so an overflow can be refitted from it
 *                         (false when the prompt could not be counted and went unchanged)
 * @param refitsOnAgent    refits already made on this agent after an upstream overflow
 * @param continuing       the stream is already being continued (an earlier recovery of this request continued it)
 */
public record AttemptState(String backend, int attemptsOnAgent, boolean lastAgent, boolean answeredRecently,
    Duration budgetLeft, boolean eventsRelayed, boolean toolCallCut, boolean continueStreams,
    OnOverflow overflowPolicy, boolean fitted, int refitsOnAgent, boolean continuing) {

  public AttemptState {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(budgetLeft, "budgetLeft");
  }
}
