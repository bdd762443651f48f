package dev.rebound.gateway.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureKind;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * One row of the error_events table: a decision about a failure or its recovery. A request's rows are made when it
 * ends, so each carries how the request ended ({@code success}), how many attempts it took from there and how long until
 * the end; events of no request (a breaker, a cooldown, the store) are rows at once, with those left empty.
 *
 * @param id                unique per row: a batch written twice (its answer lost) is stored once
 * @param event             the decision: failure, wait, retry, fallback, skip, context, give-up, answered, client-gone,
 *                          breaker, cooldown, store, session-unrecorded, routes-reload-rejected
 * @param type              the failure kind (rate_limited, overloaded, ...); the end of a request: the kind its recovery
 *                          counts under (its first failure another attempt could fix); null when there is none
 * @param severity          the failure kind's severity (low, medium, high, critical); the event's level (info, warning)
 *                          when it names no kind
 * @param component         the backend concerned; else the agent; else the part of the gateway (gateway, store, routes)
 * @param strategy          what the gateway did about it: retry, fallback, skip, truncated, summarized,
 *                          max-tokens-lowered, refused, give-up (a failure: what followed it; the end of a request: every
 *                          strategy it used, joined by '+'); null when nothing was done
 * @param success           whether the request got its answer in the end; null for a client that left, or no request
 * @param retryCount        upstream attempts made after this decision, until the request ended (its end: after its first
 *                          failure)
 * @param resolutionTimeMs  from this decision to the request's end (its end: from its first failure, the time to recover)
 */
record ErrorEventRow(UUID id, Instant at, String requestId, String tenant, String sessionId, String event, String type,
    String severity, String component, String agent, String message, String strategy, Boolean success, Integer retryCount,
    Long resolutionTimeMs, String details) {
  /** Longest message stored: reasons quote upstream error bodies. */
  static final int MAX_MESSAGE = 2_000;
  /** Events of no request that are rows: the ones about something failing or recovering. */
  static final Set<EventType> AT_ONCE = java.util.EnumSet.of(EventType.BREAKER, EventType.COOLDOWN, EventType.STORE,
      EventType.SESSION_UNRECORDED, EventType.ROUTES_RELOAD_REJECTED);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A row for an event judged on its own (no request, or one that already ended). */
  static ErrorEventRow of(GatewayEvent e) {
    return row(e, strategy(e), null, null, null);
  }

  /** The rows of a request that ended with {@code end}: one per kept decision, then its end. */
  static List<ErrorEventRow> ofRequest(RequestTrail trail, GatewayEvent end, RequestVerdict v) {
    List<GatewayEvent> kept = trail.kept();
    List<ErrorEventRow> rows = new ArrayList<>(kept.size() + 1);
    Boolean success = v.outcome() == RequestVerdict.Outcome.CLIENT_GONE ? null
        : v.outcome() == RequestVerdict.Outcome.ANSWERED;
    Set<String> used = new LinkedHashSet<>();
    for (int i = 0; i < kept.size(); i++) {
      GatewayEvent e = kept.get(i);
      if (e == end) continue;
      String strategy = e.type() == EventType.FAILURE ? following(kept, i) : strategy(e);
      if (strategy != null && e.type() != EventType.FAILURE) used.add(strategy);
      rows.add(row(e, strategy, success, Math.max(0, v.attempts() - RequestTrail.attempt(e)),
          Math.max(0, Duration.between(e.at(), end.at()).toMillis())));
    }
    if (rows.isEmpty() && end.type() != EventType.GIVE_UP) return rows;
    String own = strategy(end);
    if (own != null) used.add(own);
    Integer retryCount = trail.firstRecoverableAt() == null ? v.retries()
        : Math.max(0, v.attempts() - trail.firstRecoverableAttempt());
    Long resolution = v.recoveryKind() == null ? null : v.timeToRecoverMs();
    ErrorEventRow last = row(end, used.isEmpty() ? null : String.join("+", used), success, retryCount, resolution);
    // the end is counted under the kind of the request's recovery, as the figures count it (the give-up's own kind,
    // what the client was answered, stays in its details)
    if (v.recoveryKind() != null) last = last.withType(v.recoveryKind());
    rows.add(last);
    return rows;
  }

  private ErrorEventRow withType(FailureKind kind) {
    return new ErrorEventRow(id, at, requestId, tenant, sessionId, event, kind.type(),
        kind.severity().name().toLowerCase(Locale.ROOT), component, agent, message, strategy, success, retryCount,
        resolutionTimeMs, details);
  }

  /** What the gateway did after the failure at {@code index}: the next decision that is a strategy. */
  private static String following(List<GatewayEvent> kept, int index) {
    for (int i = index + 1; i < kept.size(); i++) {
      if (kept.get(i).type() == EventType.FAILURE) return null;
      String s = strategy(kept.get(i));
      if (s != null) return s;
    }
    return null;
  }

  /** The strategy a decision is; null for one that is none (a failure, an answer, a count that failed). */
  static String strategy(GatewayEvent e) {
    return switch (e.type()) {
      case WAIT, RETRY -> "retry";
      case FALLBACK -> "fallback";
      case SKIP -> "skip";
      case GIVE_UP -> "give-up";
      case CONTEXT -> RequestTrail.text(e, "action");
      default -> null;
    };
  }

  private static ErrorEventRow row(GatewayEvent e, String strategy, Boolean success, Integer retryCount, Long resolution) {
    FailureKind kind = RequestTrail.kind(e);
    String backend = RequestTrail.text(e, "backend");
    String agent = RequestTrail.text(e, "agent");
    String component = backend != null ? backend : agent != null ? agent : switch (e.type()) {
      case STORE, SESSION_UNRECORDED -> "store";
      case ROUTES_RELOAD_REJECTED -> "routes";
      default -> "gateway";
    };
    String severity = kind != null ? kind.severity().name().toLowerCase(Locale.ROOT)
        : e.severity().name().toLowerCase(Locale.ROOT);
    return new ErrorEventRow(UUID.randomUUID(), e.at(), e.requestId(), e.tenant(), clean(e.sessionId()), e.type().id(),
        kind == null ? null : kind.type(), severity, component, agent, message(e.reason()), strategy, success, retryCount,
        resolution, details(e));
  }

  private static String message(String reason) {
    if (reason == null) return null;
    String m = reason.length() > MAX_MESSAGE ? reason.substring(0, MAX_MESSAGE) + "..." : reason;
    return clean(m);
  }

  /** The event's fields as a JSON object's text; PostgreSQL takes no NUL in text or jsonb, so none is kept. */
  private static String details(GatewayEvent e) {
    try {
      return JSON.writeValueAsString(e.fields()).replace("\\u0000", "");
    } catch (Exception unwritable) {
      return new JsonObject().put("unwritable", String.valueOf(unwritable.getMessage())).encode();
    }
  }

  private static String clean(String text) {
    return text == null ? null : text.replace("\u0000", "");
  }
}
