package dev.rebound.gateway.recovery;

import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import io.vertx.core.Future;
import dev.rebound.gateway.redis.ChannelSubscription;
import dev.rebound.store.LuaScript;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Backend health heard by every gateway on one Redis: a 429's cooldown, a spent rate limit and a breaker that opens or
 * closes on one gateway reach the others through the channel {@value #CHANNEL} within milliseconds, so one gateway's
 * lesson spares the others the same failures, and only one of them probes a backend whose breaker is due. What is
 * heard is applied, never passed on (no echo). Redis pub/sub is
 * broadcast to every node of a Redis Cluster, so one plain connection to any node hears everything; keys (the probe
 * claim, the budget lanes, the in-flight hashes) go through a client of the store's type, a cluster client on a
 * cluster.
 *
 * <p>Also shared: request budgets ({@link PaceShare}, for {@link Pacing}) and requests in flight per agent
 * ({@link InFlightCounts}). Each gateway sends its in-flight counts of a backend when they changed (at most every
 * {@link #LOAD_EVERY_MS} ms, off the request path) and all of them every second as a heartbeat, to the channel and to
 * the hash {@code rb:inflight:<backend>} (a field per gateway, read by a gateway that starts or reconnects); a gateway
 * not heard for {@link InFlightCounts#REMOTE_TTL_MS} is taken for dead: its counts no longer count, its hash fields
 * are removed by the next writer, and it no longer shares budgets.
 *
 * <p>Best effort by design: a gateway that cannot reach Redis keeps its own view, and reconnects with backoff; health
 * is a hint for routing, the backend's own answers decide.
 */
public final class HealthShare implements BackendHealth.Learned {
  public static final String CHANNEL = "rb:health";

  /** How often changed in-flight counts are sent; the heartbeat with all of them goes every second. */
  static final long LOAD_EVERY_MS = 100;
  private static final long HEARTBEAT_MS = 1_000;

  private final Vertx vertx;
  private final RedisOptions options;
  private final RedisOptions keyOptions;
  private final HealthBoard board;
  private final Pacing pacing;
  private final InFlightCounts inFlight;
  /** The other gateways heard lately: id -> when (ms). */
  private final Map<String, Long> peers = new ConcurrentHashMap<>();
  private Redis keys;
  private long loadTimer = -1;
  private long lastHeartbeat;
  private final EventSink events;
  private final Clock clock;
  private final String self = UUID.randomUUID().toString();
  private Redis publisher;
  private ChannelSubscription listening;
  private boolean closed;

  /**
   * @param endpoints the cluster's nodes (empty: the url's)
   * @param cluster   whether the Redis is a cluster (keys then go through a cluster client)
   * @param pacing    request budgets to share; null: not shared
   * @param inFlight  requests in flight to share; null: not shared
   */
  public HealthShare(Vertx vertx, String redisUrl, List<String> endpoints, boolean cluster, HealthBoard board,
      Pacing pacing, InFlightCounts inFlight, EventSink events, Clock clock) {
    this.vertx = vertx;
    String first = endpoints.isEmpty() ? redisUrl : endpoints.get(0);
    // a plain connection even for a cluster: PUBLISH and SUBSCRIBE work on any node
    this.options = new RedisOptions().setConnectionString(first).setMaxPoolWaiting(1024);
    this.keyOptions = !cluster ? options : new RedisOptions().setType(RedisClientType.CLUSTER)
        .setEndpoints(endpoints.isEmpty() ? List.of(redisUrl) : endpoints).setMaxPoolWaiting(1024);
    this.board = board;
    this.pacing = pacing;
    this.inFlight = inFlight;
    this.events = events;
    this.clock = clock;
  }

  /** Starts listening and sharing; never fails (an unreachable Redis is retried in the background). */
  public Future<Void> start() {
    publisher = Redis.createClient(vertx, options);
    keys = keyOptions == options ? publisher : Redis.createClient(vertx, keyOptions);
    board.all().values().forEach(h -> h.share(this));
    if (pacing != null) pacing.share(new PaceShare(vertx, keys, this::publish, this::gateways));
    if (inFlight != null) {
      readInFlight();
      loadTimer = vertx.setPeriodic(LOAD_EVERY_MS, id -> shareInFlight());
    }
    listening = new ChannelSubscription(vertx, options, CHANNEL, this::heard, this::subscribed);
    listening.start();
    return Future.succeededFuture();
  }

  /** Stops sharing; the others hear that this gateway's requests are no longer in flight. */
  public void close() {
    if (loadTimer >= 0) vertx.cancelTimer(loadTimer);
    if (inFlight != null && publisher != null && !closed) {
      publish(new JsonObject().put("what", "gone"));
      for (String backend : board.all().keySet()) {
        keys.send(Request.cmd(Command.HDEL).arg(inFlightKey(backend)).arg(self)).onFailure(err -> { });
      }
    }
    closed = true;
    if (listening != null) listening.close();
    // a moment for the goodbye to leave before the connections close
    Redis p = publisher;
    Redis k = keys;
    vertx.setTimer(50, id -> {
      if (p != null) p.close();
      if (k != null && k != p) k.close();
    });
  }

  /** The gateways on this Redis heard within the last seconds, this one included. */
  public int gateways() {
    long horizon = clock.millis() - InFlightCounts.REMOTE_TTL_MS;
    peers.values().removeIf(at -> at < horizon);
    return 1 + peers.size();
  }

  // --- requests in flight

  static String inFlightKey(String backend) {
    return "rb:inflight:" + backend;
  }

  /** Writes this gateway's field and drops the fields of gateways silent past the TTL, then refreshes the key's TTL. */
  private static final LuaScript WRITE_IN_FLIGHT = new LuaScript("""
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      local fields = redis.call('HGETALL', KEYS[1])
      for i = 1, #fields, 2 do
        local ok, entry = pcall(cjson.decode, fields[i + 1])
        if not ok or tonumber(entry['at'] or 0) < tonumber(ARGV[3]) then redis.call('HDEL', KEYS[1], fields[i]) end
      end
      redis.call('PEXPIRE', KEYS[1], ARGV[4])
      return 1
      """);

  /** Sends the counts that changed, and every second all of them (the heartbeat that says this gateway lives). */
  private void shareInFlight() {
    if (closed) return;
    long now = clock.millis();
    inFlight.expire(now);
    java.util.Set<String> send = inFlight.takeChanged();
    boolean heartbeat = now - lastHeartbeat >= HEARTBEAT_MS;
    if (send.isEmpty() && !heartbeat) return;
    if (heartbeat) {
      lastHeartbeat = now;
      send.addAll(inFlight.busyBackends());
    }
    JsonObject backends = new JsonObject();
    for (String backend : send) {
      if (!board.all().containsKey(backend)) continue;
      JsonObject agents = new JsonObject();
      inFlight.ownOf(backend).forEach(agents::put);
      backends.put(backend, agents);
      String entry = new JsonObject().put("at", now).put("agents", agents).encode();
      WRITE_IN_FLIGHT.run(keys::send, List.of(inFlightKey(backend)), List.of(self, entry,
          now - InFlightCounts.REMOTE_TTL_MS, InFlightCounts.REMOTE_TTL_MS * 2)).onFailure(err -> { });
    }
    publish(new JsonObject().put("what", "load").put("at", now).put("backends", backends));
  }

  /** What the other gateways last wrote of their requests in flight (at start, and after a lost subscription). */
  private void readInFlight() {
    for (String backend : board.all().keySet()) {
      keys.send(Request.cmd(Command.HGETALL).arg(inFlightKey(backend))).onSuccess(r -> {
        if (r == null) return;
        for (Map.Entry<String, String> field : fields(r).entrySet()) {
          String gateway = field.getKey();
          if (gateway.equals(self)) continue;
          try {
            JsonObject entry = new JsonObject(field.getValue());
            heardLoad(gateway, backend, entry.getJsonObject("agents", new JsonObject()), entry.getLong("at", 0L));
          } catch (RuntimeException e) {
            // a field this version cannot read: left to expire
          }
        }
      }).onFailure(err -> { });
    }
  }

  /** A hash as RESP3 sends it (a map) or RESP2 does (field, value, field, value...). */
  private static Map<String, String> fields(Response r) {
    Map<String, String> out = new java.util.HashMap<>();
    if (r.type() == ResponseType.MULTI && !r.getKeys().isEmpty()) {
      for (String k : r.getKeys()) out.put(k, r.get(k).toString());
    } else {
      for (int i = 0; i + 1 < r.size(); i += 2) out.put(r.get(i).toString(), r.get(i + 1).toString());
    }
    return out;
  }

  private void heardLoad(String from, String backend, JsonObject agents, long at) {
    if (at < clock.millis() - InFlightCounts.REMOTE_TTL_MS) return;
    Map<String, Integer> counts = new java.util.HashMap<>();
    for (String agent : agents.fieldNames()) counts.put(agent, agents.getInteger(agent, 0));
    inFlight.heard(from, backend, counts, at);
  }

  @Override
  public void cooled(String backend, Instant until) {
    publish(new JsonObject().put("what", "cooled").put("backend", backend).put("until", until.toEpochMilli()));
  }

  @Override
  public void opened(String backend, Instant until, String why) {
    releaseProbe(backend);
    publish(new JsonObject().put("what", "opened").put("backend", backend).put("until", until.toEpochMilli()).put("why", why));
  }

  @Override
  public void closed(String backend) {
    releaseProbe(backend);
    publish(new JsonObject().put("what", "closed").put("backend", backend));
  }

  /**
   * One gateway probes a backend whose breaker is due, not each of them: the first to take {@code rb:probe:<backend>}
   * (when nobody holds it or it holds it already; for at most {@link #PROBE_LOCK_MS}) probes; the others stay open
   * and hear how it went. Redis away, or silent for {@link #PROBE_ASK_TIMEOUT} (a stalled server or a cut that sends
   * no reset can leave a command unanswered for minutes, and the breaker would refuse every request meanwhile): this
   * gateway decides alone, and an answer that comes later is not heard.
   */
  @Override
  public void mayProbe(BackendHealth h) {
    AtomicBoolean decided = new AtomicBoolean();
    long timer = vertx.setTimer(PROBE_ASK_TIMEOUT.toMillis(), id -> {
      if (decided.compareAndSet(false, true)) {
        h.probeDecided(true, "the gateways' store did not say who probes within " + PROBE_ASK_TIMEOUT.toMillis()
            + " ms: this gateway probes");
      }
    });
    CLAIM.run(keys::send, List.of(probeKey(h.backend())), List.of(self, PROBE_LOCK_MS))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (!decided.compareAndSet(false, true)) return;
          if (ar.failed()) {
            h.probeDecided(true, "the gateways' store is unreachable (" + ar.cause().getMessage()
                + "): this gateway probes");
          } else {
            h.probeDecided(ar.result() != null && ar.result().toInteger() == 1, null);
          }
        });
  }

  /** Lets the next round of probes be anyone's: only this gateway's own claim is removed. */
  private void releaseProbe(String backend) {
    if (closed) return;
    RELEASE.run(keys::send, List.of(probeKey(backend)), List.of(self))
        .onFailure(err -> { /* it expires on its own */ });
  }

  private static String probeKey(String backend) {
    return "rb:probe:" + backend;
  }

  private static final long PROBE_LOCK_MS = 60_000;
  /** As long as a request waits for the shared budget. */
  static final Duration PROBE_ASK_TIMEOUT = PaceShare.TAKE_TIMEOUT;
  /**
   * The claim is this gateway's when nobody holds it or when it holds it already: a claim answered after the ask gave
   * up on it (and this gateway probed alone) may land after its release, and must not then keep this gateway, and
   * every other, from the next probe for a minute.
   */
  private static final LuaScript CLAIM = new LuaScript("""
      if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
      if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
      return 0
      """);
  private static final LuaScript RELEASE =
      new LuaScript("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0");

  private void publish(JsonObject message) {
    if (closed) return;
    publisher.send(Request.cmd(Command.PUBLISH).arg(CHANNEL).arg(message.put("from", self).encode()))
        .onFailure(err -> { /* best effort: the others learn from their own answers */ });
  }

  /** What was said while this gateway was not listening: the counts as the others last wrote them. */
  private void subscribed() {
    if (inFlight != null) readInFlight();
    lastHeartbeat = 0; // and the others hear this one at once
  }

  private void heard(String payload) {
    JsonObject m;
    try {
      m = new JsonObject(payload);
    } catch (RuntimeException e) {
      return;
    }
    String from = m.getString("from");
    if (from == null || self.equals(from)) return;
    peers.put(from, clock.millis());
    String what = m.getString("what", "");
    switch (what) {
      case "load" -> {
        JsonObject backends = m.getJsonObject("backends", new JsonObject());
        if (inFlight != null) {
          for (String backend : backends.fieldNames()) {
            if (board.all().containsKey(backend)) heardLoad(from, backend, backends.getJsonObject(backend), m.getLong("at", 0L));
          }
        }
        return;
      }
      case "gone" -> {
        peers.remove(from);
        if (inFlight != null) inFlight.gone(from);
        return;
      }
      case "lowered" -> {
        if (pacing != null && board.all().containsKey(m.getString("backend", ""))) {
          pacing.heardLowered(m.getString("backend"), m.getString("model", ""), Instant.ofEpochMilli(m.getLong("until", 0L)));
        }
        return;
      }
      default -> { }
    }
    BackendHealth h = board.all().get(m.getString("backend", ""));
    if (h == null) return; // a backend this gateway does not have
    switch (what) {
      case "cooled" -> {
        Instant until = Instant.ofEpochMilli(m.getLong("until", 0L));
        if (h.heardCoolUntil(until)) {
          events.emit(new GatewayEvent(clock.instant(), EventType.COOLDOWN, null, null, "another gateway saw backend '"
              + h.backend() + "' rate limited until " + until, Map.of("backend", h.backend(), "until", until.toString(),
              "shared", true)));
        }
      }
      case "opened" -> h.heardOpened(Instant.ofEpochMilli(m.getLong("until", 0L)), m.getString("why", "its breaker opened"));
      case "closed" -> h.heardClosed();
      default -> { }
    }
  }
}
