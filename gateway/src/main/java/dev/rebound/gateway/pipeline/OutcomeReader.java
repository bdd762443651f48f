package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.upstream.AttemptOutcome;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads how an attempt ended against what the client has: a whole answer (even when the stream lost its tail after the
 * stop reason), a client that left, or a failure to recover from. The one place an upstream outcome becomes a verdict.
 */
final class OutcomeReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FailureClassifier classifier;

  OutcomeReader(FailureClassifier classifier) {
    this.classifier = classifier;
  }

  sealed interface Verdict {}

  /** The answer is whole: {@code why} and {@code fields} are the "answered" event's. */
  record Whole(Result result, String why, Map<String, Object> fields) implements Verdict {}

  /** The client went away; {@code answerWhole} when the upstream had finished the answer (it is stored all the same). */
  record Left(boolean answerWhole, boolean keepPartial) implements Verdict {}

  /** The attempt failed; {@code status} is the upstream's error status, when it answered with one. */
  record Failed(Failure failure, Integer status) implements Verdict {}

  Verdict read(Exchange ex, AgentDefinition agent, AttemptOutcome outcome, long elapsedMs) {
    Reply reply = ex.reply();
    StreamTranscript t = reply.transcript();
    if (outcome instanceof AttemptOutcome.ClientGone) {
      boolean relayed = ex.stream() && reply.eventsRelayed();
      return new Left(relayed && (t.complete() || t.stopReason() != null) && !t.toolCallInProgress(), relayed);
    }
    if (t.complete()) {
      // the end marker came before the connection broke or an error followed it: the answer is whole
      return new Whole(new Result.Streamed(agent), "stream complete", Map.of("status", 200, "elapsedMs", elapsedMs));
    }
    if (outcome instanceof AttemptOutcome.Streamed s) {
      t.markEndedCleanly();
      if (t.complete()) {
        return new Whole(new Result.Streamed(agent), "stream complete", Map.of("status", s.status(), "elapsedMs", elapsedMs));
      }
      Verdict whole = endWholeAnswer(ex, agent, "ended", elapsedMs);
      return whole != null ? whole : new Failed(Failure.of(FailureKind.STREAM_CUT, "backend '" + agent.backend()
          + "' ended the stream before the answer was complete"), null);
    }
    if (outcome instanceof AttemptOutcome.Answered a) {
      Failure inside = errorInsideAnswer(a);
      if (inside != null) return new Failed(inside, null);
      return new Whole(new Result.Answered(agent, a.status(), a.headers(), a.body()), "answer complete",
          Map.of("status", a.status(), "elapsedMs", elapsedMs));
    }
    if (outcome instanceof AttemptOutcome.ErrorAnswer e) {
      return new Failed(classifier.classify(e.status(), headerMap(e.headers()), e.body().toString(StandardCharsets.UTF_8),
          ex.stream()), e.status());
    }
    if (outcome instanceof AttemptOutcome.StoppedByTarget) {
      Verdict whole = endWholeAnswer(ex, agent, "sent an error event (" + reply.streamFailure().kind().type() + ")", elapsedMs);
      return whole != null ? whole : new Failed(reply.streamFailure(), null);
    }
    AttemptOutcome.Broken b = (AttemptOutcome.Broken) outcome;
    if (b.breakage() != AttemptOutcome.Breakage.CONNECT) {
      Verdict whole = endWholeAnswer(ex, agent, b.breakage() == AttemptOutcome.Breakage.TIMEOUT ? "timed out" : "was cut", elapsedMs);
      if (whole != null) return whole;
    }
    return new Failed(Failure.of(switch (b.breakage()) {
      case CONNECT -> FailureKind.CONNECT;
      case TIMEOUT -> FailureKind.TIMEOUT;
      case STREAM_CUT -> FailureKind.STREAM_CUT;
    }, b.message()), null);
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
    return new Whole(new Result.Streamed(agent), "stream " + how + " after the answer's stop reason (" + t.stopReason()
        + "); the answer is whole, so the gateway sent the end of the stream"
        + (usageLost ? " (the usage chunk the client asked for was lost with it)" : ""),
        Map.of("status", 200, "elapsedMs", elapsedMs, "endedByGateway", true, "usageLost", usageLost));
  }

  /** OpenRouter and others report some errors inside a 200 answer. */
  private Failure errorInsideAnswer(AttemptOutcome.Answered a) {
    if (a.body().length() == 0) return Failure.of(FailureKind.SERVER_ERROR, "the backend sent an empty answer");
    byte first = a.body().getByte(0);
    if (first != '{' && first != '[') return null;
    String text = a.body().toString(StandardCharsets.UTF_8);
    if (!text.contains("\"error\"")) return null;
    try {
      JsonNode root = JSON.readTree(text);
      JsonNode err = root.get("error");
      boolean hasAnswer = root.has("choices") && root.get("choices").size() > 0 || root.has("content");
      if (err == null || err.isNull() || hasAnswer) return null;
    } catch (java.io.IOException e) {
      return null;
    }
    return classifier.classify(200, headerMap(a.headers()), text, false);
  }

  private static Map<String, String> headerMap(MultiMap headers) {
    Map<String, String> m = new LinkedHashMap<>();
    headers.forEach(e -> m.putIfAbsent(e.getKey().toLowerCase(), e.getValue()));
    return m;
  }
}
