package dev.rebound.gateway.analytics;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One request's way so far, from its first decision to the event that ends it: its first failure another attempt could
 * fix (what its recovery counts under, and when the clock to recover starts), a fallback not yet followed by an attempt,
 * and, when a table is written, the decisions about failures and their recovery that become its rows.
 *
 * <p>A request's events are emitted on the event loop serving it, so its trail needs no lock.
 */
final class RequestTrail {
  /** The events that end a request, as the attempt loop emits them. */
  static final Set<EventType> ENDS = EnumSet.of(EventType.ANSWERED, EventType.GIVE_UP, EventType.CLIENT_GONE);
  /** The decisions a request makes before it ends: the first of them opens its trail. */
  static final Set<EventType> BEFORE_END = EnumSet.of(EventType.ROUTE, EventType.SKIP, EventType.CONTEXT, EventType.WAIT,
      EventType.RETRY, EventType.FALLBACK, EventType.FAILURE);
  /** The decisions about a failure or its recovery: each is a row of the table. */
  static final Set<EventType> TROUBLE = EnumSet.of(EventType.FAILURE, EventType.SKIP, EventType.CONTEXT, EventType.WAIT,
      EventType.RETRY, EventType.FALLBACK, EventType.GIVE_UP);
  /** Each upstream attempt ends in exactly one of these. */
  private static final Set<EventType> ATTEMPT_ENDS = EnumSet.of(EventType.FAILURE, EventType.ANSWERED, EventType.CLIENT_GONE);
  /** A request keeps at most this many events for its rows (a plan is a few agents of a few attempts each). */
  static final int MAX_KEPT = 64;

  private final Instant startedAt;
  private String tenant;
  private String sessionId;
  private int lastAttempt;
  private FailureKind firstRecoverable;
  private Instant firstRecoverableAt;
  private int firstRecoverableAttempt;
  private String fallbackFrom;
  private int fallbackAttempt;
  /** The decisions kept for rows; null when no table is written. */
  private final List<GatewayEvent> kept;

  RequestTrail(Instant startedAt, boolean keepForRows) {
    this.startedAt = startedAt;
    this.kept = keepForRows ? new ArrayList<>() : null;
  }

  Instant startedAt() {
    return startedAt;
  }

  /**
   * The backend the request fell back from, when {@code e} ends the first attempt made after that fallback (so the
   * fallback is known to have landed on {@code e}'s backend); else null.
   */
  String fellBackFrom(GatewayEvent e) {
    if (fallbackFrom == null || !ATTEMPT_ENDS.contains(e.type()) || attempt(e) <= fallbackAttempt) return null;
    String from = fallbackFrom;
    fallbackFrom = null;
    return from;
  }

  void note(GatewayEvent e) {
    if (tenant == null) tenant = e.tenant();
    if (sessionId == null) sessionId = e.sessionId();
    lastAttempt = Math.max(lastAttempt, attempt(e));
    if (e.type() == EventType.FAILURE) {
      FailureKind kind = kind(e);
      if (firstRecoverable == null && recoverable(kind)) {
        firstRecoverable = kind;
        firstRecoverableAt = e.at();
        firstRecoverableAttempt = attempt(e);
      }
    } else if (e.type() == EventType.FALLBACK) {
      fallbackFrom = text(e, "backend");
      fallbackAttempt = attempt(e);
    }
    if (kept != null && TROUBLE.contains(e.type()) && kept.size() < MAX_KEPT) kept.add(e);
  }

  /** The verdict on the request that {@code end} ends (noted first, like any other event). */
  RequestVerdict judge(GatewayEvent end) {
    note(end);
    RequestVerdict.Outcome outcome = switch (end.type()) {
      case GIVE_UP -> RequestVerdict.Outcome.GAVE_UP;
      case CLIENT_GONE -> RequestVerdict.Outcome.CLIENT_GONE;
      // the client left once the answer was whole: the gateway did its part, but nobody heard how it ended
      default -> Boolean.TRUE.equals(end.fields().get("clientGone"))
          ? RequestVerdict.Outcome.CLIENT_GONE : RequestVerdict.Outcome.ANSWERED;
    };
    FailureKind kind = firstRecoverable;
    Instant from = firstRecoverableAt;
    if (kind == null && outcome == RequestVerdict.Outcome.GAVE_UP && recoverable(kind(end))) {
      // it gave up without an attempt failing (every agent's breaker open): a recovery that never started
      kind = kind(end);
      from = startedAt;
    }
    long ms = kind == null ? 0 : Math.max(0, Duration.between(from, end.at()).toMillis());
    return new RequestVerdict(end.at(), outcome, kind, ms, Math.max(0, attempt(end)));
  }

  /**
   * The end a request that ended with no end event is given, at {@code at}: a client-gone when its reply never ended
   * (the client left while the gateway waited), else a give-up (the gateway failed). Judge it like any other end.
   */
  GatewayEvent endWithoutEvent(String requestId, Instant at, boolean replyEnded) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("attempt", lastAttempt);
    if (firstRecoverable != null) fields.put("kind", firstRecoverable.name());
    GatewayEvent end = replyEnded
        ? new GatewayEvent(at, EventType.GIVE_UP, tenant, sessionId, "the request ended with an error and no decision said so",
            fields).asWarning()
        : new GatewayEvent(at, EventType.CLIENT_GONE, tenant, sessionId, "the client left while the gateway waited", fields);
    return end.forRequest(requestId);
  }

  /** The decisions kept for rows, in order (the end included); empty when none were or no table is written. */
  List<GatewayEvent> kept() {
    return kept == null ? List.of() : kept;
  }

  /** When the first failure another attempt could fix happened; null when none did. */
  Instant firstRecoverableAt() {
    return firstRecoverableAt;
  }

  int firstRecoverableAttempt() {
    return firstRecoverableAttempt;
  }

  static boolean recoverable(FailureKind kind) {
    return kind != null && (kind.retryable() || kind.fallbackAvailable());
  }

  /** The failure kind an event names ({@code kind}: a FailureKind name); null when it names none. */
  static FailureKind kind(GatewayEvent e) {
    if (!(e.fields().get("kind") instanceof String k)) return null;
    try {
      return FailureKind.valueOf(k);
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }

  /** The attempt an event belongs to ({@code attempt}, counted from 1); 0 when it names none. */
  static int attempt(GatewayEvent e) {
    return e.fields().get("attempt") instanceof Number n ? n.intValue() : 0;
  }

  static String text(GatewayEvent e, String field) {
    return e.fields().get(field) instanceof String s ? s : null;
  }
}
