package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.routing.AgentDefinition;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads how an attempt ended against what the client has: a whole answer (even when the stream lost its tail after the
 * stop reason), a client that left, or a failure to recover from. The one place an upstream outcome becomes a verdict.
 */
final class OutcomeReader {
  private final FailureClassifier classifier;

  OutcomeReader(FailureClassifier classifier) {
    this.classifier = classifier;
  }

  sealed interface Verdict {}

  /**
   * The request ends here: the answer is whole, or the client went away. {@code answered}: the backend answered (its
   * breaker hears a success; else the attempt's permit is just given back); the rest is the event that says so.
   */
  record Ended(Result result, boolean answered, EventType event, String why, Map<String, Object> fields) implements Verdict {}

  /** The attempt failed; {@code status} is the upstream's error status, when it answered with one. */
  record Failed(Failure failure, Integer status) implements Verdict {
    /** The facts of the "failure" event. */
    Map<String, Object> facts(long elapsedMs) {
      LinkedHashMap<String, Object> facts = new LinkedHashMap<>();
      facts.put("kind", failure.kind().name());
      if (status != null) facts.put("status", status);
      if (failure.retryAfter() != null) facts.put("retryAfterMs", failure.retryAfter().toMillis());
      facts.put("elapsedMs", elapsedMs);
      return GatewayEvent.fieldsOf(facts);
    }
  }

  private static Ended whole(Result result, String why, Map<String, Object> fields) {
    return new Ended(result, true, EventType.ANSWERED, why, fields);
  }

  Verdict read(Exchange ex, AgentDefinition agent, AttemptOutcome outcome, long elapsedMs) {
    Reply reply = ex.reply();
    StreamTranscript t = reply.transcript();
    if (outcome instanceof AttemptOutcome.ClientGone) {
      boolean relayed = ex.stream() && reply.eventsRelayed();
      if (relayed && (t.complete() || t.stopReason() != null) && !t.toolCallInProgress()) {
        // the client may have seen it whole and closed at once: the answer is the session's all the same
        return whole(new Result.ClientGone(agent, true, false), "the client disconnected after the answer was whole;"
            + " storing the turn", Map.of("status", 200, "elapsedMs", elapsedMs, "clientGone", true));
      }
      // a cut answer is kept as a partial turn, so a resume finds what was said
      return new Ended(new Result.ClientGone(agent, false, relayed), false, EventType.CLIENT_GONE,
          "client disconnected; upstream request cancelled", Map.of("elapsedMs", elapsedMs));
    }
    if (t.complete()) {
      // the end marker came before the connection broke or an error followed it: the answer is whole
      return whole(new Result.Streamed(agent), "stream complete", Map.of("status", 200, "elapsedMs", elapsedMs));
    }
    if (outcome instanceof AttemptOutcome.Streamed s) {
      t.markEndedCleanly();
      if (t.complete()) {
        return whole(new Result.Streamed(agent), "stream complete", Map.of("status", s.status(), "elapsedMs", elapsedMs));
      }
      Verdict whole = endWholeAnswer(ex, agent, "ended", elapsedMs);
      return whole != null ? whole : new Failed(Failure.of(FailureKind.STREAM_CUT, "backend '" + agent.backend()
          + "' ended the stream before the answer was complete"), null);
    }
    if (outcome instanceof AttemptOutcome.StoppedByTarget) {
      Verdict whole = endWholeAnswer(ex, agent, "sent an error event (" + reply.streamFailure().kind().type() + ")", elapsedMs);
      return whole != null ? whole : new Failed(reply.streamFailure(), null);
    }
    if (outcome instanceof AttemptOutcome.Broken b && b.breakage() != AttemptOutcome.Breakage.CONNECT) {
      Verdict whole = endWholeAnswer(ex, agent, b.breakage() == AttemptOutcome.Breakage.TIMEOUT ? "timed out" : "was cut", elapsedMs);
      if (whole != null) return whole;
    }
    Failure failure = failureOf(outcome, ex.stream());
    if (failure != null) return new Failed(failure, outcome instanceof AttemptOutcome.ErrorAnswer e ? e.status() : null);
    AttemptOutcome.Answered a = (AttemptOutcome.Answered) outcome;
    return whole(new Result.Answered(agent, a.status(), a.headers(), a.body()), "answer complete",
        Map.of("status", a.status(), "elapsedMs", elapsedMs));
  }

  /**
   * What went wrong in an attempt, as far as the outcome alone tells: an error answer is classified, a broken exchange
   * is a connect, timeout or cut failure with its message, and a 2xx answer whose body is an error object is
   * classified too. Null for a real answer.
   *
   * @throws IllegalArgumentException for a stream, a stop by the stream target or a client gone: whether those failed
   *                                  depends on what the client already has (see {@link #read})
   */
  Failure failureOf(AttemptOutcome outcome, boolean stream) {
    if (outcome instanceof AttemptOutcome.ErrorAnswer e) return classifier.classify(e.status(), e.headers(), e.body(), stream);
    if (outcome instanceof AttemptOutcome.Answered a) return classifier.classifyAnswer(a.headers(), a.body());
    if (outcome instanceof AttemptOutcome.Broken b) {
      return Failure.of(switch (b.breakage()) {
        case CONNECT -> FailureKind.CONNECT;
        case TIMEOUT -> FailureKind.TIMEOUT;
        case STREAM_CUT -> FailureKind.STREAM_CUT;
      }, b.message());
    }
    throw new IllegalArgumentException("whether " + outcome + " failed depends on what the client has");
  }

  /**
   * A stream that stops after the answer's stop reason (OpenAI finish_reason, Anthropic message_delta) lacks only
   * its end marker: the answer is whole, so the gateway ends the stream itself instead of asking for more. Null when
   * the answer is not whole.
   */
  private static Verdict endWholeAnswer(Exchange ex, AgentDefinition agent, String how, long elapsedMs) {
    Reply reply = ex.reply();
    StreamTranscript t = reply.transcript();
    if (!reply.eventsRelayed() || t.stopReason() == null || t.complete() || t.toolCallInProgress()) return null;
    // a usage chunk asked for is lost with the tail; continuing would only make the model write past its end
    boolean usageLost = ex.json().path("stream_options").path("include_usage").asBoolean(false) && !t.usageSeen();
    reply.writeEndOfStream();
    return whole(new Result.Streamed(agent), "stream " + how + " after the answer's stop reason (" + t.stopReason()
        + "); the answer is whole, so the gateway sent the end of the stream"
        + (usageLost ? " (the usage chunk the client asked for was lost with it)" : ""),
        Map.of("status", 200, "elapsedMs", elapsedMs, "endedByGateway", true, "usageLost", usageLost));
  }
}
