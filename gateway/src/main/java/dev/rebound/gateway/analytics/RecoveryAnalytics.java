package dev.rebound.gateway.analytics;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Recovery analytics, read from the decisions as they pass: per minute for the last 24 hours, the requests and how they
 * ended, failures by backend and kind, recoveries by kind (recovered or gave up) with their time to recover (from the
 * request's first failure another attempt could fix to its answer), retries per request, fallbacks (across protocols
 * when the next attempt's backend speaks another one), context truncations and summaries, and overflows.
 *
 * <p>A request is judged when the event that ends it passes (answered, give-up, client-gone); until then its trail is
 * kept, at most {@link #MAX_TRAILS} of them (the oldest go first, and any older than {@link #TRAIL_MAX_AGE}). A request
 * that ends with no such event (its client left during a wait) is judged when its pipeline is done
 * ({@link #requestEnded}). Memory is bounded whatever the traffic. With a table configured, the decisions about failures and their recovery also become its rows.
 */
public final class RecoveryAnalytics implements EventSink {
  private static final Logger LOG = Logger.getLogger(RecoveryAnalytics.class.getName());
  /** How far back the figures go. */
  public static final Duration SPAN = Duration.ofHours(24);
  static final int MAX_TRAILS = 10_000;
  static final Duration TRAIL_MAX_AGE = Duration.ofHours(1);

  private final MinuteRing minutes = new MinuteRing((int) SPAN.toMinutes());
  private final Map<String, String> protocolOfBackend;
  private final Clock clock;
  private final ErrorEventTable table;
  private final EventSink next;
  /** Requests not yet ended, oldest first; guarded by itself (events come from every event loop). */
  private final LinkedHashMap<String, RequestTrail> trails = new LinkedHashMap<>();
  private long unjudged;
  private boolean warned;

  /**
   * @param protocolOfBackend each backend's wire protocol, to tell a fallback that crossed protocols
   * @param table             where decisions also go as rows; null: nowhere
   */
  public RecoveryAnalytics(Map<String, String> protocolOfBackend, Clock clock, ErrorEventTable table, EventSink next) {
    this.protocolOfBackend = Map.copyOf(protocolOfBackend);
    this.clock = clock;
    this.table = table;
    this.next = next;
  }

  /** The analytics of a gateway with {@code config}: with its PostgreSQL table when one is configured. */
  public static RecoveryAnalytics of(ReboundConfig config, Vertx vertx, Clock clock, EventSink next) {
    Map<String, String> protocols = new HashMap<>();
    for (BackendConfig b : config.backends()) protocols.put(b.name(), String.valueOf(b.protocol()));
    var postgres = config.analytics().postgres();
    return new RecoveryAnalytics(protocols, clock, postgres == null ? null : new ErrorEventTable(vertx, postgres), next);
  }

  /** Starts writing the table, when there is one (on the caller's context). */
  public void start() {
    if (table != null) table.start();
  }

  /** Writes what is left for the table, within {@code within}. */
  public Future<Void> stop(Duration within) {
    return table == null ? Future.succeededFuture() : table.stop(within);
  }

  @Override
  public void emit(GatewayEvent event) {
    try {
      follow(event);
    } catch (RuntimeException e) {
      // the figures are a reading of the decisions: a bug here must not stop them reaching the log
      if (!warned) LOG.log(Level.WARNING, "analytics could not read a " + event.type() + " event", e);
      warned = true;
    }
    next.emit(event);
  }

  private void follow(GatewayEvent e) {
    long minute = minuteOf(e.at());
    count(e, minute);
    RequestTrail trail = null;
    if (e.requestId() != null) {
      if (RequestTrail.ENDS.contains(e.type())) trail = ended(e.requestId(), e.at());
      else if (RequestTrail.BEFORE_END.contains(e.type())) trail = open(e.requestId(), e.at());
    }
    if (trail == null) {
      // no request, or one that already ended (a turn stored on the way out)
      if (table != null && ErrorEventRow.AT_ONCE.contains(e.type())) table.offer(ErrorEventRow.of(e));
      return;
    }
    String from = trail.fellBackFrom(e);
    if (from != null && crossesProtocols(from, RequestTrail.text(e, "backend"))) {
      minutes.record(minute, c -> c.crossProtocolFallbacks++);
    }
    if (!RequestTrail.ENDS.contains(e.type())) {
      trail.note(e);
      return;
    }
    RequestVerdict verdict = trail.judge(e);
    minutes.record(minute, c -> c.judged(verdict));
    if (table != null) for (ErrorEventRow row : ErrorEventRow.ofRequest(trail, e, verdict)) table.offer(row);
  }

  /**
   * A request's pipeline is done ({@code replyEnded}: its reply was written whole). One that ended with an end event
   * was judged then; one that did not (its client left during a wait, or the gateway failed) still has a trail, and is
   * judged now. A client that sends one request id on requests in flight together shares a trail between them: the
   * figures of those requests blur, nothing else.
   */
  public void requestEnded(String requestId, boolean replyEnded) {
    if (requestId == null) return;
    RequestTrail trail;
    synchronized (trails) {
      trail = trails.remove(requestId);
    }
    if (trail == null) return;
    GatewayEvent end = trail.endWithoutEvent(requestId, clock.instant(), replyEnded);
    RequestVerdict verdict = trail.judge(end);
    minutes.record(minuteOf(end.at()), c -> c.judged(verdict));
    if (table != null) for (ErrorEventRow row : ErrorEventRow.ofRequest(trail, end, verdict)) table.offer(row);
  }

  /** The counts an event makes by itself, whoever it belongs to. */
  private void count(GatewayEvent e, long minute) {
    switch (e.type()) {
      case FAILURE -> {
        FailureKind kind = RequestTrail.kind(e);
        if (kind == null) return;
        String backend = RequestTrail.text(e, "backend");
        boolean overflow = kind == FailureKind.CONTEXT_OVERFLOW || kind == FailureKind.OUTPUT_LIMIT;
        minutes.record(minute, c -> {
          c.failure(backend, kind);
          if (overflow) c.upstreamOverflows++;
        });
      }
      case FALLBACK -> {
        boolean forContext = "larger-window".equals(e.fields().get("policy"));
        minutes.record(minute, c -> {
          c.fallbacks++;
          if (forContext) c.contextFallbacks++;
        });
      }
      case CONTEXT -> {
        String action = RequestTrail.text(e, "action");
        boolean preflight = "pre-flight".equals(e.fields().get("trigger"));
        if (action == null) return;
        minutes.record(minute, c -> {
          switch (action) {
            case "truncated" -> c.truncated++;
            case "summarized" -> c.summarized++;
            case "max-tokens-lowered" -> c.maxTokensLowered++;
            case "refused" -> c.refused++;
            default -> {
              // an action this reading does not know yet is counted by nothing but its overflow
            }
          }
          if (preflight) c.preflightOverflows++;
        });
      }
      default -> {
        // the rest count only as part of their request
      }
    }
  }

  private boolean crossesProtocols(String from, String to) {
    String a = protocolOfBackend.get(from);
    String b = protocolOfBackend.get(to);
    return a != null && b != null && !a.equals(b);
  }

  /** The trail of a request not yet ended, opened at its first decision. */
  private RequestTrail open(String requestId, Instant at) {
    synchronized (trails) {
      RequestTrail t = trails.get(requestId);
      if (t != null) return t;
      forgetOld(at);
      t = new RequestTrail(at, table != null);
      trails.put(requestId, t);
      return t;
    }
  }

  /** The trail of a request that just ended, taken out; a new one when its first decision was its end. */
  private RequestTrail ended(String requestId, Instant at) {
    synchronized (trails) {
      RequestTrail t = trails.remove(requestId);
      return t != null ? t : new RequestTrail(at, table != null);
    }
  }

  /** Drops the oldest trails past the cap or the age: their requests will not be judged (counted as unjudged). */
  private void forgetOld(Instant now) {
    Instant tooOld = now.minus(TRAIL_MAX_AGE);
    Iterator<RequestTrail> it = trails.values().iterator();
    while (it.hasNext()) {
      RequestTrail oldest = it.next();
      if (trails.size() < MAX_TRAILS && !oldest.startedAt().isBefore(tooOld)) break;
      it.remove();
      unjudged++;
    }
  }

  /** The figures of the last {@code window} (whole minutes, up to {@link #SPAN}), the current minute included. */
  public AnalyticsReport report(Duration window) {
    Objects.requireNonNull(window, "window");
    long minutesWide = Math.max(1, Math.min(window.toMinutes(), SPAN.toMinutes()));
    Instant now = clock.instant();
    long to = minuteOf(now);
    long from = to - minutesWide + 1;
    long inFlight;
    long forgotten;
    synchronized (trails) {
      inFlight = trails.size();
      forgotten = unjudged;
    }
    return new AnalyticsReport(Duration.ofMinutes(minutesWide), Instant.ofEpochSecond(from * 60), now,
        minutes.sum(from, to), inFlight, forgotten, table == null ? null : table.status());
  }

  private static long minuteOf(Instant at) {
    return Math.floorDiv(at.getEpochSecond(), 60);
  }

  /** Whether decisions are also written to PostgreSQL. */
  public boolean writesTable() {
    return table != null;
  }
}
