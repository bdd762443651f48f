package dev.rebound.gateway.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.MutableClock;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The figures read from decision events, on a clock the test moves: recoveries judged when a request ends, their time
 * from the first failure, retries, fallbacks across protocols, context changes and overflows, windows of whole minutes,
 * and memory that stays bounded.
 */
class RecoveryAnalyticsTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  final MutableClock clock = new MutableClock(T0);
  final List<GatewayEvent> passedOn = new ArrayList<>();
  final RecoveryAnalytics analytics = new RecoveryAnalytics(
      Map.of("primary", "openai", "secondary", "openai", "claude-api", "anthropic"), clock, null, passedOn::add);

  /** An event of request {@code id}, made now on the test's clock. */
  GatewayEvent event(String id, EventType type, Object... fields) {
    Map<String, Object> f = new LinkedHashMap<>();
    for (int i = 0; i < fields.length; i += 2) f.put((String) fields[i], fields[i + 1]);
    return new GatewayEvent(clock.instant(), type, "default", null, type.id(), f).forRequest(id);
  }

  void emit(String id, EventType type, Object... fields) {
    analytics.emit(event(id, type, fields));
  }

  JsonObject report(Duration window) {
    return analytics.report(window).toJson();
  }

  /** A request that fails on primary with {@code kind}, waits {@code waited}, and is answered by the second attempt. */
  void retriedOnce(String id, String kind, Duration waited) {
    emit(id, EventType.ROUTE, "route", "chat");
    emit(id, EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", kind);
    emit(id, EventType.WAIT, "agent", "main", "backend", "primary", "attempt", 1, "waitMs", waited.toMillis());
    clock.advance(waited);
    emit(id, EventType.ANSWERED, "agent", "main", "backend", "primary", "attempt", 2, "status", 200);
  }

  void answered(String id) {
    emit(id, EventType.ROUTE, "route", "chat");
    emit(id, EventType.ANSWERED, "agent", "main", "backend", "primary", "attempt", 1, "status", 200);
  }

  @Test
  void aRetryThatIsAnsweredIsARecoveryOfItsFirstFailuresKindTimedFromThatFailure() {
    answered("r0");
    retriedOnce("r1", "RATE_LIMITED", Duration.ofMillis(1_500));
    JsonObject r = report(Duration.ofHours(1));
    assertEquals(new JsonObject().put("total", 2L).put("answered", 2L).put("gaveUp", 0L).put("clientGone", 0L)
        .put("inFlight", 0L).put("unjudged", 0L), r.getJsonObject("requests"));
    assertEquals(new JsonObject().put("total", 1L).put("byKind", new JsonObject().put("rate_limited", 1L))
        .put("byBackend", new JsonObject().put("primary", new JsonObject().put("rate_limited", 1L))), r.getJsonObject("failures"));
    JsonObject rateLimited = r.getJsonObject("recoveries").getJsonObject("byKind").getJsonObject("rate_limited");
    assertEquals(new JsonObject().put("total", 1L).put("recovered", 1L).put("gaveUp", 0L).put("successPercent", 100.0)
        .put("p50TimeToRecoverMs", 1500L).put("p95TimeToRecoverMs", 1500L), rateLimited);
    assertEquals(1L, r.getJsonObject("retries").getLong("total"));
    assertEquals(0.5, r.getJsonObject("retries").getDouble("perRequest"));
    assertEquals(new JsonObject().put("0", 1L).put("1", 1L).put("2", 0L).put("3+", 0L),
        r.getJsonObject("retries").getJsonObject("requestsByRetries"));
  }

  @Test
  void aGiveUpIsARecoveryThatFailedAndTheSuccessTargetIsMissed() {
    retriedOnce("r1", "OVERLOADED", Duration.ofMillis(200));
    emit("r2", EventType.ROUTE);
    for (int attempt = 1; attempt <= 3; attempt++) {
      emit("r2", EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", attempt, "kind", "SERVER_ERROR");
      clock.advance(Duration.ofSeconds(1));
    }
    emit("r2", EventType.GIVE_UP, "attempt", 3, "kind", "SERVER_ERROR");
    JsonObject r = report(Duration.ofMinutes(15));
    assertEquals(1L, r.getJsonObject("requests").getLong("gaveUp"));
    JsonObject serverError = r.getJsonObject("recoveries").getJsonObject("byKind").getJsonObject("server_error");
    assertEquals(1L, serverError.getLong("gaveUp"));
    assertEquals(0.0, serverError.getDouble("successPercent"));
    assertNull(serverError.getLong("p95TimeToRecoverMs"), "only recoveries that succeeded have a time to recover");
    assertEquals(50.0, r.getJsonObject("recoveries").getDouble("successPercent"));
    assertEquals(2L, r.getJsonObject("retries").getLong("max"));
    JsonObject targets = r.getJsonObject("targets");
    assertEquals(new JsonObject().put("target", "> 95 %").put("value", 50.0).put("met", false), targets.getJsonObject("recoverySuccess"));
    assertEquals(new JsonObject().put("target", "< 30s").put("valueMs", 200L).put("met", true), targets.getJsonObject("p95TimeToRecover"));
  }

  @Test
  void theTargetsAreMetAboveNinetyFivePercentAndMissedWhenTheSlowestTwentiethTakes30sOrMore() {
    for (int i = 0; i < 39; i++) retriedOnce("ok" + i, "RATE_LIMITED", Duration.ofMillis(100));
    emit("lost", EventType.FAILURE, "backend", "primary", "attempt", 1, "kind", "TIMEOUT");
    emit("lost", EventType.GIVE_UP, "attempt", 1, "kind", "TIMEOUT");
    JsonObject met = report(Duration.ofHours(1)).getJsonObject("targets");
    assertEquals(97.5, met.getJsonObject("recoverySuccess").getDouble("value"));
    assertEquals(true, met.getJsonObject("recoverySuccess").getBoolean("met"));
    assertEquals(true, met.getJsonObject("p95TimeToRecover").getBoolean("met"));

    // 3 slow ones of 42 recovered: the 95th percentile is among them
    for (int i = 0; i < 3; i++) retriedOnce("slow" + i, "OVERLOADED", Duration.ofSeconds(40));
    JsonObject missed = report(Duration.ofHours(1)).getJsonObject("targets");
    assertEquals(false, missed.getJsonObject("p95TimeToRecover").getBoolean("met"), missed.encode());
    assertTrue(missed.getJsonObject("p95TimeToRecover").getLong("valueMs") > 30_000, missed.encode());
  }

  @Test
  void noRecoveryInTheWindowLeavesTheTargetsUnjudged() {
    answered("r0");
    JsonObject targets = report(Duration.ofHours(1)).getJsonObject("targets");
    assertNull(targets.getJsonObject("recoverySuccess").getValue("met"));
    assertNull(targets.getJsonObject("p95TimeToRecover").getValue("met"));
  }

  @Test
  void aFallbackToABackendOfAnotherProtocolCountsAsCrossingProtocols() {
    emit("same", EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "QUOTA_EXHAUSTED");
    emit("same", EventType.FALLBACK, "agent", "main", "backend", "primary", "attempt", 1);
    emit("same", EventType.ANSWERED, "agent", "backup", "backend", "secondary", "attempt", 2);
    emit("cross", EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "AUTH");
    emit("cross", EventType.FALLBACK, "agent", "main", "backend", "primary", "attempt", 1);
    emit("cross", EventType.ANSWERED, "agent", "claude", "backend", "claude-api", "attempt", 2);
    emit("context", EventType.FALLBACK, "agent", "tiny", "backend", "primary", "attempt", 0, "kind", "CONTEXT_OVERFLOW",
        "policy", "larger-window");
    emit("context", EventType.ANSWERED, "agent", "main", "backend", "primary", "attempt", 1);
    JsonObject r = report(Duration.ofHours(1));
    assertEquals(new JsonObject().put("total", 3L).put("crossProtocol", 1L).put("forContext", 1L), r.getJsonObject("fallbacks"));
    assertEquals(2L, r.getJsonObject("recoveries").getLong("recovered"));
    assertEquals(1L, r.getJsonObject("recoveries").getJsonObject("byKind").getJsonObject("auth").getLong("recovered"));
  }

  @Test
  void truncationsSummariesAndOverflowsAreCountedFromTheContextDecisions() {
    emit("a", EventType.CONTEXT, "agent", "tiny", "backend", "primary", "attempt", 0, "action", "truncated", "trigger", "pre-flight");
    emit("a", EventType.ANSWERED, "agent", "tiny", "backend", "primary", "attempt", 1);
    emit("b", EventType.FAILURE, "agent", "tiny", "backend", "primary", "attempt", 1, "kind", "CONTEXT_OVERFLOW");
    emit("b", EventType.CONTEXT, "agent", "tiny", "backend", "primary", "attempt", 1, "action", "summarized",
        "trigger", "the upstream's overflow error");
    emit("b", EventType.RETRY, "agent", "tiny", "backend", "primary", "attempt", 1, "kind", "CONTEXT_OVERFLOW");
    emit("b", EventType.ANSWERED, "agent", "tiny", "backend", "primary", "attempt", 2);
    emit("c", EventType.CONTEXT, "agent", "tiny", "backend", "primary", "attempt", 0, "action", "refused");
    emit("c", EventType.GIVE_UP, "attempt", 0, "kind", "CONTEXT_OVERFLOW");
    emit("d", EventType.CONTEXT, "agent", "tiny", "attempt", 0, "action", "max-tokens-lowered", "trigger", "pre-flight");
    emit("d", EventType.ANSWERED, "agent", "tiny", "backend", "primary", "attempt", 1);
    JsonObject r = report(Duration.ofHours(1));
    assertEquals(new JsonObject().put("truncated", 1L).put("summarized", 1L).put("maxTokensLowered", 1L).put("refused", 1L),
        r.getJsonObject("context"));
    assertEquals(new JsonObject().put("total", 3L).put("upstream", 1L).put("preflight", 2L), r.getJsonObject("overflows"));
    JsonObject overflow = r.getJsonObject("recoveries").getJsonObject("byKind").getJsonObject("context_overflow");
    assertEquals(1L, overflow.getLong("recovered"));
    assertEquals(1L, overflow.getLong("gaveUp"), "refused with no attempt: it gave up with a kind another agent could serve");
  }

  @Test
  void aClientThatLeftIsNeitherRecoveredNorGivenUp() {
    emit("gone", EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "OVERLOADED");
    emit("gone", EventType.CLIENT_GONE, "agent", "main", "backend", "primary", "attempt", 2);
    emit("whole", EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "STREAM_CUT");
    emit("whole", EventType.ANSWERED, "agent", "main", "backend", "primary", "attempt", 2, "clientGone", true);
    JsonObject r = report(Duration.ofHours(1));
    assertEquals(2L, r.getJsonObject("requests").getLong("clientGone"));
    assertEquals(0L, r.getJsonObject("recoveries").getLong("total"));
    assertEquals(2L, r.getJsonObject("failures").getLong("total"));
  }

  @Test
  void aRequestThatEndsWithNoEndEventIsJudgedWhenItsPipelineIsDone() {
    emit("left", EventType.ROUTE);
    emit("left", EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "RATE_LIMITED");
    emit("left", EventType.WAIT, "agent", "main", "backend", "primary", "attempt", 1, "waitMs", 20_000);
    assertEquals(1L, report(Duration.ofHours(1)).getJsonObject("requests").getLong("inFlight"));
    analytics.requestEnded("left", false);
    emit("crashed", EventType.FAILURE, "agent", "main", "backend", "primary", "attempt", 1, "kind", "OVERLOADED");
    analytics.requestEnded("crashed", true);
    // a request judged by its end event is not judged again
    answered("fine");
    analytics.requestEnded("fine", true);
    JsonObject r = report(Duration.ofHours(1));
    assertEquals(new JsonObject().put("total", 3L).put("answered", 1L).put("gaveUp", 1L).put("clientGone", 1L)
        .put("inFlight", 0L).put("unjudged", 0L), r.getJsonObject("requests"));
    assertEquals(1L, r.getJsonObject("recoveries").getJsonObject("byKind").getJsonObject("overloaded").getLong("gaveUp"));
    assertEquals(1L, r.getJsonObject("recoveries").getLong("total"), "the client that left is no recovery");
  }

  @Test
  void aWindowHoldsOnlyItsOwnMinutesAndNothingOlderThanTheSpanIsKept() {
    retriedOnce("early", "RATE_LIMITED", Duration.ofMillis(10));
    clock.advance(Duration.ofMinutes(90));
    retriedOnce("late", "OVERLOADED", Duration.ofMillis(10));
    assertEquals(1L, report(Duration.ofHours(1)).getJsonObject("recoveries").getLong("total"));
    assertEquals(1L, report(Duration.ofMinutes(15)).getJsonObject("recoveries").getLong("total"));
    assertEquals(2L, report(Duration.ofHours(24)).getJsonObject("recoveries").getLong("total"));
    assertEquals("1h", report(Duration.ofHours(1)).getString("window"));
    assertEquals(Instant.parse("2026-03-01T10:31:00Z").toString(), report(Duration.ofHours(1)).getString("from"));

    clock.advance(Duration.ofHours(23));
    assertEquals(1L, report(Duration.ofHours(24)).getJsonObject("recoveries").getLong("total"), "the early one is 24.5 h old");
    // an event stamped before the span (a slow emitter) does not overwrite the minute that reuses its slot
    analytics.emit(new GatewayEvent(T0, EventType.FAILURE, null, null, "late news",
        Map.of("backend", "primary", "kind", "TIMEOUT")));
    assertEquals(0L, report(Duration.ofHours(24)).getJsonObject("failures").getJsonObject("byKind").getLong("timeout", 0L));
    clock.advance(Duration.ofHours(2));
    assertEquals(0L, report(Duration.ofHours(24)).getJsonObject("requests").getLong("total"));
  }

  @Test
  void requestsThatNeverEndAreForgottenOldestFirstSoTheirTrailsStayBounded() {
    for (int i = 0; i < RecoveryAnalytics.MAX_TRAILS + 5; i++) emit("open" + i, EventType.ROUTE);
    JsonObject requests = report(Duration.ofHours(1)).getJsonObject("requests");
    assertEquals(RecoveryAnalytics.MAX_TRAILS, requests.getLong("inFlight").intValue());
    assertEquals(5L, requests.getLong("unjudged"));
    // the newest are still followed: a failure then an answer is a recovery
    String newest = "open" + (RecoveryAnalytics.MAX_TRAILS + 4);
    emit(newest, EventType.FAILURE, "backend", "primary", "attempt", 1, "kind", "CONNECT");
    emit(newest, EventType.ANSWERED, "backend", "primary", "attempt", 2);
    assertEquals(1L, report(Duration.ofHours(1)).getJsonObject("recoveries").getLong("recovered"));
    // an hour on, the next request's first decision lets go of every trail older than that
    clock.advance(RecoveryAnalytics.TRAIL_MAX_AGE.plusMinutes(1));
    emit("fresh", EventType.ROUTE);
    assertEquals(1L, report(Duration.ofHours(1)).getJsonObject("requests").getLong("inFlight"));
  }

  @Test
  void everyEventIsPassedOnUnchangedEvenOneTheAnalyticsCannotRead() {
    GatewayEvent odd = new GatewayEvent(T0, EventType.FAILURE, null, null, "no kind", Map.of("kind", 42)).forRequest("x");
    GatewayEvent route = event("y", EventType.ROUTE);
    analytics.emit(odd);
    analytics.emit(route);
    assertEquals(2, passedOn.size());
    assertSame(odd, passedOn.get(0));
    assertSame(route, passedOn.get(1));
    assertEquals(0L, report(Duration.ofHours(1)).getJsonObject("failures").getLong("total"));
  }

  @Test
  void aBackendFailingOnlyAfterTheCapIsCountedWithTheOthers() {
    for (int i = 0; i < RecoveryCounts.MAX_BACKENDS + 3; i++) {
      emit("f" + i, EventType.FAILURE, "backend", "b" + i, "attempt", 1, "kind", "CONNECT");
    }
    JsonObject byBackend = report(Duration.ofHours(1)).getJsonObject("failures").getJsonObject("byBackend");
    assertEquals(RecoveryCounts.MAX_BACKENDS + 1, byBackend.size());
    assertEquals(3L, byBackend.getJsonObject(RecoveryCounts.OTHER_BACKENDS).getLong("connect"));
  }
}
