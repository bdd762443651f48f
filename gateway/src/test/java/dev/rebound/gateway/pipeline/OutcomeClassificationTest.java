package dev.rebound.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rebound.gateway.failure.Dialects;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.upstream.AttemptOutcome;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** An attempt's outcome into a failure: the one mapping the attempt loop uses. */
class OutcomeClassificationTest {
  static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  static final OutcomeReader CLASSIFIER = new OutcomeReader(new FailureClassifier(Dialects.loadDefault(), Clock.fixed(NOW, ZoneOffset.UTC)));

  /** @param expected kind, wait and message of the failure; null: a real answer */
  record Case(String name, AttemptOutcome outcome, boolean stream, Failure expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("outcomes")
  void classifies(Case c) {
    Failure f = CLASSIFIER.failureOf(c.outcome(), c.stream());
    if (c.expected() == null) {
      assertNull(f);
      return;
    }
    assertEquals(c.expected().kind(), f.kind(), f::toString);
    assertEquals(c.expected().retryAfter(), f.retryAfter(), f::toString);
    assertEquals(c.expected().message(), f.message(), f::toString);
  }

  static Stream<Case> outcomes() {
    String throttle = "{\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}";
    String openRouter429 = "{\"error\":{\"message\":\"Provider returned error\",\"code\":429}}";
    return Stream.of(
        new Case("an error answer is classified with its headers, names in any case",
            error(429, headers("Retry-After", "3"), throttle), false,
            new Failure(FailureKind.RATE_LIMITED, Duration.ofSeconds(3), null, null, null, null, "Rate limit reached")),
        new Case("of a repeated header the first value counts",
            error(429, headers("retry-after", "3", "Retry-After", "9"), throttle), false,
            new Failure(FailureKind.RATE_LIMITED, Duration.ofSeconds(3), null, null, null, null, "Rate limit reached")),
        new Case("an error answer with an event stream body is read for its error event",
            error(503, headers("content-type", "text/event-stream"),
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"),
            true, Failure.of(FailureKind.OVERLOADED, "Overloaded")),
        new Case("no connection is a connect failure with its message",
            new AttemptOutcome.Broken(AttemptOutcome.Breakage.CONNECT, "Connection refused"), false,
            Failure.of(FailureKind.CONNECT, "Connection refused")),
        new Case("a timeout is a timeout",
            new AttemptOutcome.Broken(AttemptOutcome.Breakage.TIMEOUT, "idle for 60s"), true,
            Failure.of(FailureKind.TIMEOUT, "idle for 60s")),
        new Case("a cut mid-answer is a stream cut",
            new AttemptOutcome.Broken(AttemptOutcome.Breakage.STREAM_CUT, "connection reset"), true,
            Failure.of(FailureKind.STREAM_CUT, "connection reset")),
        new Case("an empty 200 answer is a server error",
            answered(""), false, Failure.of(FailureKind.SERVER_ERROR, "the backend sent an empty answer")),
        new Case("an OpenRouter 200 with an error object is classified by its code",
            answered(openRouter429), false,
            new Failure(FailureKind.RATE_LIMITED, null, null, null, null, null, "Provider returned error")),
        new Case("an error object with no choices yet is still an error",
            answered("{\"choices\":[],\"error\":{\"message\":\"Provider returned error\",\"code\":429}}"), false,
            new Failure(FailureKind.RATE_LIMITED, null, null, null, null, null, "Provider returned error")),
        new Case("a chat completion is an answer",
            answered("{\"id\":\"c1\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}]}"), false, null),
        new Case("an answer with choices and an error field is an answer",
            answered("{\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"error\":{\"message\":\"x\"}}"), false, null),
        new Case("a message with content and an error field is an answer",
            answered("{\"type\":\"message\",\"content\":[],\"error\":{\"message\":\"x\"}}"), false, null),
        new Case("a null error field is an answer",
            answered("{\"id\":\"c1\",\"error\":null}"), false, null),
        new Case("an answer that mentions no error is an answer",
            answered("{\"id\":\"c1\",\"note\":\"fine\"}"), false, null),
        new Case("an answer that is not JSON is an answer",
            answered("plain text that says \"error\""), false, null),
        new Case("an answer that is broken JSON is an answer",
            answered("{\"error\": "), false, null));
  }

  @Test
  void outcomesThatDependOnTheClientsTranscriptAreTheLoops() {
    assertThrows(IllegalArgumentException.class, () -> CLASSIFIER.failureOf(new AttemptOutcome.Streamed(200), true));
    assertThrows(IllegalArgumentException.class, () -> CLASSIFIER.failureOf(new AttemptOutcome.StoppedByTarget(), true));
    assertThrows(IllegalArgumentException.class, () -> CLASSIFIER.failureOf(new AttemptOutcome.ClientGone(), false));
  }

  static AttemptOutcome.ErrorAnswer error(int status, MultiMap headers, String body) {
    return new AttemptOutcome.ErrorAnswer(status, headers, Buffer.buffer(body));
  }

  static AttemptOutcome.Answered answered(String body) {
    return new AttemptOutcome.Answered(200, headers("content-type", "application/json"), Buffer.buffer(body));
  }

  static MultiMap headers(String... namesAndValues) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < namesAndValues.length; i += 2) m.add(namesAndValues[i], namesAndValues[i + 1]);
    return m;
  }
}
