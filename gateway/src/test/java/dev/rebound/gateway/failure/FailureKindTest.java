package dev.rebound.gateway.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** What follows from each kind, as the attempt loop reads it: one row per kind, so a new kind must take a stand. */
class FailureKindTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # kind           | breaker | unreachable | cools | Retry-After | overflow | label
      RATE_LIMITED     | false   | false       | true  | true        | false    | 429
      OVERLOADED       | true    | false       | true  | true        | false    | overloaded
      QUOTA_EXHAUSTED  | false   | false       | true  | true        | false    | quota-exhausted
      CONTEXT_OVERFLOW | false   | false       | false | false       | true     | context-overflow
      OUTPUT_LIMIT     | false   | false       | false | false       | true     | output-limit
      INVALID_REQUEST  | false   | false       | false | false       | false    | invalid-request
      AUTH             | false   | false       | false | false       | false    | auth
      SERVER_ERROR     | true    | false       | false | false       | false    | server-error
      TIMEOUT          | true    | false       | false | false       | false    | timeout
      CONNECT          | true    | true        | false | false       | false    | connect
      STREAM_CUT       | false   | false       | false | false       | false    | cut
      CIRCUIT_OPEN     | false   | false       | false | true        | false    | circuit-open
      NO_ROUTE         | false   | false       | false | false       | false    | no-route
      """)
  void eachKindSaysWhatFollowsFromIt(FailureKind kind, boolean breaker, boolean unreachable, boolean cools,
      boolean retryAfter, boolean overflow, String label) {
    assertEquals(breaker, kind.countsTowardBreaker(), "counts toward the breaker");
    assertEquals(unreachable, kind.unreachable(), "unreachable");
    assertEquals(cools, kind.coolsBackend(), "cools the backend");
    assertEquals(retryAfter, kind.tellsClientWhenToRetry(), "tells the client when to retry");
    assertEquals(overflow, kind.overflowsWindow(), "overflows the window");
    assertEquals(label, kind.recoveryLabel(), "recovery label");
  }

  @ParameterizedTest(name = "{0} cools for the wait the server named")
  @EnumSource(value = FailureKind.class, names = {"RATE_LIMITED", "OVERLOADED", "QUOTA_EXHAUSTED"})
  void aCoolingKindCoolsForTheServersWait(FailureKind kind) {
    assertEquals(Duration.ofSeconds(20), failure(kind, Duration.ofSeconds(20)).cooldown(Duration.ofSeconds(30)));
    assertNull(failure(kind, Duration.ZERO).cooldown(Duration.ofSeconds(30)), "a wait of zero is no cooldown");
  }

  @ParameterizedTest(name = "{0} without a wait: {1}")
  @CsvSource({"RATE_LIMITED,", "OVERLOADED,", "QUOTA_EXHAUSTED,PT30S", "SERVER_ERROR,", "CIRCUIT_OPEN,"})
  void withoutAWaitOnlyAQuotaStopCoolsForTheBreakersReset(FailureKind kind, Duration expected) {
    assertEquals(expected, failure(kind, null).cooldown(Duration.ofSeconds(30)));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = FailureKind.class, names = {"SERVER_ERROR", "TIMEOUT", "CONNECT", "STREAM_CUT", "CIRCUIT_OPEN"})
  void aKindThatDoesNotCoolIgnoresTheServersWait(FailureKind kind) {
    assertNull(failure(kind, Duration.ofSeconds(20)).cooldown(Duration.ofSeconds(30)));
  }

  static Failure failure(FailureKind kind, Duration retryAfter) {
    return new Failure(kind, retryAfter, null, null, null, null, "test");
  }
}
