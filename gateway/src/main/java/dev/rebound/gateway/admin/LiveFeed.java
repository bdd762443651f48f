package dev.rebound.gateway.admin;

import dev.rebound.gateway.analytics.RecoveryAnalytics;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.recovery.HealthBoard;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * GET /admin/live: what the dashboard at /ui draws, as server-sent events. On connecting, a reader gets one
 * {@code history} event (the last ten minutes of snapshots, the latest failures with their recovery, the latest breaker
 * and cooldown decisions); then a {@code snapshot} every {@link #TICK} (the live figures, each backend's breaker and
 * cooldown, and the recovery analytics of the last 15 minutes), and as they happen a {@code decision} event for each
 * failure, retry, wait, fallback, give-up, breaker and cooldown decision, and a {@code failure} event with the request
 * it changed as it now stands.
 *
 * <p>It reads the decisions as they pass (an {@link EventSink} in the chain), and its figures from the meters on a
 * timer; nothing on a request's way waits for it. Each reader is bounded ({@link LiveConnection}).
 */
public final class LiveFeed implements EventSink {
  private static final Logger LOG = Logger.getLogger(LiveFeed.class.getName());
  static final Duration TICK = Duration.ofSeconds(2);
  /** Ten minutes of snapshots. */
  static final int HISTORY = 300;
  static final int TRANSITIONS_KEPT = 100;
  static final Duration ANALYTICS_WINDOW = Duration.ofMinutes(15);
  static final int MAX_BACKENDS = 1000;
  /** The decisions sent as they happen: a request's trouble and its recovery, and the backends'. */
  static final Set<EventType> SENT = EnumSet.of(EventType.FAILURE, EventType.RETRY, EventType.WAIT, EventType.FALLBACK,
      EventType.GIVE_UP, EventType.BREAKER, EventType.COOLDOWN);
  /** The decisions read: those sent, and the ones that tell how a failed request's recovery ended. */
  static final Set<EventType> READ = EnumSet.of(EventType.FAILURE, EventType.RETRY, EventType.WAIT, EventType.FALLBACK,
      EventType.GIVE_UP, EventType.BREAKER, EventType.COOLDOWN, EventType.SKIP, EventType.CONTEXT, EventType.ANSWERED,
      EventType.CLIENT_GONE);
  /** The decisions that change a backend's health: kept for the timeline. */
  static final Set<EventType> TRANSITIONS = EnumSet.of(EventType.BREAKER, EventType.COOLDOWN);

  private final Vertx vertx;
  private final Clock clock;
  // set by start(): they are made after the event chain this feed is part of
  private HealthBoard health;
  private RecoveryAnalytics analytics;
  private final EventSink next;
  private final LiveFigures figures;
  private final Set<LiveConnection> readers = new CopyOnWriteArraySet<>();
  // guarded by this: what a new reader is sent first, changed and sent to readers under one lock so none is missed
  private final ArrayDeque<JsonObject> snapshots = new ArrayDeque<>();
  private final ArrayDeque<JsonObject> transitions = new ArrayDeque<>();
  private final RecentFailures failures = new RecentFailures();
  /** Each backend's last failed attempt, for /admin/backends (names from config: as many as backends). */
  private final java.util.Map<String, JsonObject> lastFailure = new java.util.HashMap<>();
  private long timer = -1;
  private boolean warned;

  /** @param registry the gateway's meters, read for the live figures */
  public LiveFeed(Vertx vertx, MeterRegistry registry, Clock clock, EventSink next) {
    this.vertx = vertx;
    this.clock = clock;
    this.next = next;
    this.figures = new LiveFigures(registry);
  }

  /**
   * Starts taking snapshots (on the caller's context).
   *
   * @param health    the backends' breakers and cooldowns
   * @param analytics the recovery figures of the last 15 minutes, sent with each snapshot
   */
  public void start(HealthBoard health, RecoveryAnalytics analytics) {
    if (timer >= 0) return;
    this.health = health;
    this.analytics = analytics;
    tick();
    timer = vertx.setPeriodic(TICK.toMillis(), id -> tick());
  }

  /** Stops the snapshots and ends every reader's stream. */
  public void stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    timer = -1;
    readers.forEach(LiveConnection::close);
  }

  @Override
  public void emit(GatewayEvent event) {
    if (READ.contains(event.type())) {
      try {
        follow(event);
      } catch (RuntimeException e) {
        // the dashboard is a reading of the decisions: a bug here must not stop them reaching the log
        if (!warned) LOG.log(Level.WARNING, "the live feed could not read a " + event.type() + " event", e);
        warned = true;
      }
    }
    next.emit(event);
  }

  private synchronized void follow(GatewayEvent e) {
    JsonObject failure = failures.note(e);
    if (e.type() == EventType.FAILURE && e.fields().get("backend") instanceof String backend
        && (lastFailure.size() < MAX_BACKENDS || lastFailure.containsKey(backend))) {
      lastFailure.put(backend, new JsonObject().put("at", e.at().toString()).put("kind", e.fields().get("kind") instanceof
          String k ? k : null).put("reason", e.reason()));
    }
    if (SENT.contains(e.type())) {
      JsonObject decision = decision(e);
      if (TRANSITIONS.contains(e.type())) {
        transitions.addLast(decision);
        if (transitions.size() > TRANSITIONS_KEPT) transitions.removeFirst();
      }
      send("decision", decision);
    }
    if (failure != null) send("failure", failure);
  }

  private void tick() {
    JsonObject snapshot;
    try {
      snapshot = snapshot();
    } catch (RuntimeException e) {
      if (!warned) LOG.log(Level.WARNING, "the live feed could not take a snapshot", e);
      warned = true;
      return;
    }
    synchronized (this) {
      snapshots.addLast(snapshot);
      if (snapshots.size() > HISTORY) snapshots.removeFirst();
      send("snapshot", snapshot);
    }
  }

  /** The figures now, each backend's health, and the recovery analytics of the last 15 minutes. */
  JsonObject snapshot() {
    JsonObject s = new JsonObject().put("at", clock.instant().toString());
    s.mergeIn(figures.read(System.nanoTime()));
    JsonArray backends = new JsonArray();
    if (health != null) {
      health.all().forEach((name, h) -> {
        var cooling = h.coolingUntil();
        boolean coolingNow = cooling != null && cooling.isAfter(clock.instant());
        backends.add(new JsonObject().put("backend", name).put("breaker", h.state().name())
            .put("coolingUntil", coolingNow ? cooling.toString() : null));
      });
    }
    s.put("backends", backends);
    if (analytics != null) s.put("analytics", analyticsSummary(analytics.report(ANALYTICS_WINDOW).toJson()));
    return s;
  }

  /** The report's figures the dashboard shows as numbers, under the names /admin/analytics gives them. */
  private static JsonObject analyticsSummary(JsonObject report) {
    JsonObject recoveries = report.getJsonObject("recoveries");
    return new JsonObject()
        .put("window", report.getString("window"))
        .put("requests", report.getJsonObject("requests").getLong("total"))
        .put("gaveUp", report.getJsonObject("requests").getLong("gaveUp"))
        .put("failures", report.getJsonObject("failures").getLong("total"))
        .put("failuresByKind", report.getJsonObject("failures").getJsonObject("byKind"))
        .put("recoveries", recoveries.getLong("total"))
        .put("recovered", recoveries.getLong("recovered"))
        .put("successPercent", recoveries.getDouble("successPercent"))
        .put("p95TimeToRecoverMs", recoveries.getLong("p95TimeToRecoverMs"))
        .put("retries", report.getJsonObject("retries").getLong("total"))
        .put("fallbacks", report.getJsonObject("fallbacks").getLong("total"))
        .put("targets", report.getJsonObject("targets"));
  }

  /** A decision as the feed sends it: its time, type, request, session, reason and its plain facts. */
  static JsonObject decision(GatewayEvent e) {
    JsonObject d = new JsonObject().put("at", e.at().toString()).put("type", e.type().id())
        .put("warning", e.severity() == GatewayEvent.Severity.WARNING).put("reason", e.reason());
    if (e.requestId() != null) d.put("requestId", e.requestId());
    if (e.tenant() != null) d.put("tenant", e.tenant());
    if (e.sessionId() != null) d.put("session", e.sessionId());
    JsonObject facts = new JsonObject();
    e.fields().forEach((k, v) -> {
      if (v instanceof String || v instanceof Number || v instanceof Boolean) facts.put(k, v);
    });
    return d.put("fields", facts);
  }

  /** The last failed attempt on {@code backend} ({@code at}, {@code kind}, {@code reason}); null when none was seen. */
  synchronized JsonObject lastFailure(String backend) {
    JsonObject f = lastFailure.get(backend);
    return f == null ? null : f.copy();
  }

  void mount(AdminMount mount) {
    mount.get("/admin/live", this::subscribe);
  }

  private void subscribe(RoutingContext ctx, AdminParams p) {
    var response = ctx.response().setChunked(true)
        .putHeader("content-type", "text/event-stream")
        .putHeader("cache-control", "no-cache")
        // a proxy in front (nginx) would otherwise hold the events back
        .putHeader("x-accel-buffering", "no");
    LiveConnection[] self = new LiveConnection[1];
    self[0] = new LiveConnection(ctx.vertx().getOrCreateContext(), response, () -> readers.remove(self[0]));
    synchronized (this) {
      JsonObject history = new JsonObject()
          .put("tickMs", TICK.toMillis())
          .put("snapshots", new JsonArray(new java.util.ArrayList<>(snapshots)))
          .put("failures", failures.toJson())
          .put("transitions", new JsonArray(new java.util.ArrayList<>(transitions)));
      self[0].offer(frame("history", history));
      readers.add(self[0]);
    }
  }

  /** Sends to every reader; called under this feed's lock, so a new reader's history and what follows it line up. */
  private void send(String event, JsonObject data) {
    if (readers.isEmpty()) return;
    String frame = frame(event, data);
    for (LiveConnection r : readers) r.offer(frame);
  }

  private static String frame(String event, JsonObject data) {
    return "event: " + event + "\ndata: " + data.encode() + "\n\n";
  }

  /** Readers connected now (for tests). */
  int readers() {
    return readers.size();
  }
}
