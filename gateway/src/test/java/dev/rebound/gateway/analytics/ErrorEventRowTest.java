package dev.rebound.gateway.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rows a request's decisions become when it ends: each with how the request ended, what followed, and how long. */
class ErrorEventRowTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  static GatewayEvent event(long atMs, EventType type, Object... fields) {
    Map<String, Object> f = new LinkedHashMap<>();
    for (int i = 0; i < fields.length; i += 2) f.put((String) fields[i], fields[i + 1]);
    return new GatewayEvent(T0.plusMillis(atMs), type, "default", "s-1", type.id() + " because", f).forRequest("req-1");
  }

  /** The rows of a request whose events are {@code events}, the last one ending it. */
  static List<ErrorEventRow> rows(GatewayEvent... events) {
    RequestTrail trail = new RequestTrail(events[0].at(), true);
    for (int i = 0; i < events.length - 1; i++) trail.note(events[i]);
    GatewayEvent end = events[events.length - 1];
    return ErrorEventRow.ofRequest(trail, end, trail.judge(end));
  }

  @Test
  void aRetriedRequestsFailureSaysItWasRetriedAndResolvedAndItsEndCarriesTheTimeToRecover() {
    List<ErrorEventRow> rows = rows(
        event(0, EventType.ROUTE, "route", "chat"),
        event(100, EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "RATE_LIMITED", "status", 429),
        event(110, EventType.WAIT, "agent", "main", "backend", "primary", "attempt", 1, "waitMs", 1000),
        event(1_400, EventType.ANSWERED, "agent", "main", "backend", "primary", "attempt", 2, "status", 200));
    assertEquals(List.of("failure", "wait", "answered"), rows.stream().map(ErrorEventRow::event).toList());
    ErrorEventRow failure = rows.get(0);
    assertEquals("rate_limited", failure.type());
    assertEquals("low", failure.severity());
    assertEquals("primary", failure.component());
    assertEquals("main", failure.agent());
    assertEquals("failure because", failure.message());
    assertEquals("retry", failure.strategy());
    assertEquals(true, failure.success());
    assertEquals(1, failure.retryCount());
    assertEquals(1_300L, failure.resolutionTimeMs());
    assertEquals("req-1", failure.requestId());
    assertEquals("s-1", failure.sessionId());
    assertEquals(429, new JsonObject(failure.details()).getInteger("status"));
    ErrorEventRow end = rows.get(2);
    assertEquals("retry", end.strategy());
    assertEquals("rate_limited", end.type(), "the end counts under the kind it recovered from");
    assertEquals(1, end.retryCount());
    assertEquals(1_300L, end.resolutionTimeMs());
    assertEquals(true, end.success());
  }

  @Test
  void aGiveUpAfterAFallbackListsBothStrategiesAndFailsEveryRow() {
    List<ErrorEventRow> rows = rows(
        event(0, EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "QUOTA_EXHAUSTED"),
        event(5, EventType.FALLBACK, "agent", "main", "backend", "primary", "attempt", 1),
        event(50, EventType.FAILURE, "agent", "backup", "backend", "secondary", "attempt", 2, "kind", "SERVER_ERROR"),
        event(60, EventType.WAIT, "agent", "backup", "backend", "secondary", "attempt", 2, "waitMs", 10),
        event(90, EventType.FAILURE, "agent", "backup", "backend", "secondary", "attempt", 3, "kind", "SERVER_ERROR"),
        event(95, EventType.GIVE_UP, "attempt", 3, "kind", "SERVER_ERROR"));
    assertEquals(List.of("failure", "fallback", "failure", "wait", "failure", "give-up"),
        rows.stream().map(ErrorEventRow::event).toList());
    assertEquals(List.of("fallback", "fallback", "retry", "retry", "give-up", "fallback+retry+give-up"),
        rows.stream().map(ErrorEventRow::strategy).toList());
    assertTrue(rows.stream().allMatch(r -> Boolean.FALSE.equals(r.success())));
    assertEquals(List.of(2, 2, 1, 1, 0, 2), rows.stream().map(ErrorEventRow::retryCount).toList());
    ErrorEventRow end = rows.get(5);
    assertEquals("quota_exhausted", end.type(), "the end names the kind the recovery was of, its first failure's");
    assertEquals("high", end.severity());
    assertEquals(95L, end.resolutionTimeMs());
  }

  @Test
  void aCleanAnswerMakesNoRowAndATruncatedOneMakesTwo() {
    assertEquals(List.of(), rows(event(0, EventType.ROUTE), event(20, EventType.ANSWERED, "attempt", 1)));
    List<ErrorEventRow> rows = rows(
        event(0, EventType.CONTEXT, "agent", "tiny", "backend", "small-api", "attempt", 0, "action", "truncated",
            "trigger", "pre-flight"),
        event(20, EventType.ANSWERED, "agent", "tiny", "backend", "small-api", "attempt", 1));
    assertEquals("truncated", rows.get(0).strategy());
    assertEquals("truncated", rows.get(1).strategy());
    assertNull(rows.get(1).resolutionTimeMs(), "nothing failed, so nothing was recovered");
    assertEquals(0, rows.get(1).retryCount());
  }

  @Test
  void anEventOfNoRequestIsARowAtOnceWithItsLevelAndComponentAndNoNulInItsText() {
    GatewayEvent breaker = new GatewayEvent(T0, EventType.BREAKER, null, null, "opened\u0000 after 5 failures",
        Map.of("backend", "primary", "from", "CLOSED", "to", "OPEN")).asWarning();
    ErrorEventRow row = ErrorEventRow.of(breaker);
    assertEquals("breaker", row.event());
    assertEquals("warning", row.severity());
    assertEquals("primary", row.component());
    assertEquals("opened after 5 failures", row.message());
    assertNull(row.success());
    assertNull(row.requestId());
    ErrorEventRow store = ErrorEventRow.of(new GatewayEvent(T0, EventType.STORE, null, null, "degraded", Map.of("type", "redis")));
    assertEquals("store", store.component());
    assertEquals("info", store.severity());
  }
}
