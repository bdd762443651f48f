package dev.rebound.gateway.recovery;

import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Backend health heard by every gateway on one Redis: a 429's cooldown, a spent rate limit and a breaker that opens or
 * closes on one gateway reach the others through the channel {@value #CHANNEL} within milliseconds, so one gateway's
 * lesson spares the others the same failures, and only one of them probes a backend whose breaker is due. What is
 * heard is applied, never passed on (no echo). Redis pub/sub is
 * broadcast to every node of a Redis Cluster, so one plain connection to any node hears everything.
 *
 * <p>Best effort by design: a gateway that cannot reach Redis keeps its own view, and reconnects with backoff; health
 * is a hint for routing, the backend's own answers decide.
 */
public final class HealthShare implements BackendHealth.Learned {
  public static final String CHANNEL = "rb:health";

  private final Vertx vertx;
  private final RedisOptions options;
  private final HealthBoard board;
  private final EventSink events;
  private final Clock clock;
  private final String self = UUID.randomUUID().toString();
  private Redis publisher;
  private RedisConnection listening;
  private long retryMs = 250;
  private boolean relistening;
  private boolean closed;

  public HealthShare(Vertx vertx, String redisUrl, HealthBoard board, EventSink events, Clock clock) {
    this.vertx = vertx;
    // a plain connection even for a cluster: PUBLISH and SUBSCRIBE work on any node
    this.options = new RedisOptions().setConnectionString(redisUrl).setMaxPoolWaiting(1024);
    this.board = board;
    this.events = events;
    this.clock = clock;
  }

  /** Starts listening and sharing; never fails (an unreachable Redis is retried in the background). */
  public Future<Void> start() {
    publisher = Redis.createClient(vertx, options);
    board.all().values().forEach(h -> h.share(this));
    listen();
    return Future.succeededFuture();
  }

  public void close() {
    closed = true;
    if (listening != null) listening.close();
    if (publisher != null) publisher.close();
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
   * (SET NX, held at most {@link #PROBE_LOCK_MS}) probes; the others stay open and hear how it went. Redis away: this
   * gateway decides alone.
   */
  @Override
  public void mayProbe(BackendHealth h) {
    publisher.send(Request.cmd(Command.SET).arg(probeKey(h.backend())).arg(self).arg("NX").arg("PX").arg(PROBE_LOCK_MS))
        .onComplete(ar -> h.probeDecided(ar.failed() || ar.result() != null));
  }

  /** Lets the next round of probes be anyone's: only this gateway's own claim is removed. */
  private void releaseProbe(String backend) {
    if (closed) return;
    publisher.send(Request.cmd(Command.EVAL).arg(RELEASE).arg(1).arg(probeKey(backend)).arg(self))
        .onFailure(err -> { /* it expires on its own */ });
  }

  private static String probeKey(String backend) {
    return "rb:probe:" + backend;
  }

  private static final long PROBE_LOCK_MS = 60_000;
  private static final String RELEASE =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

  private void publish(JsonObject message) {
    if (closed) return;
    publisher.send(Request.cmd(Command.PUBLISH).arg(CHANNEL).arg(message.put("from", self).encode()))
        .onFailure(err -> { /* best effort: the others learn from their own answers */ });
  }

  private void listen() {
    if (closed) return;
    Redis.createClient(vertx, options).connect().onSuccess(conn -> {
      listening = conn;
      retryMs = 250;
      conn.handler(this::heard);
      conn.exceptionHandler(err -> relisten());
      conn.endHandler(v -> relisten());
      conn.send(Request.cmd(Command.SUBSCRIBE).arg(CHANNEL)).onFailure(err -> relisten());
    }).onFailure(err -> relisten());
  }

  private void relisten() {
    // an exception and the end of one connection both land here: one new connection, not two
    if (closed || relistening) return;
    relistening = true;
    if (listening != null) {
      listening.close();
      listening = null;
    }
    long delay = retryMs;
    retryMs = Math.min(retryMs * 2, 10_000);
    vertx.setTimer(delay, id -> {
      relistening = false;
      listen();
    });
  }

  /** A pushed message: {@code ["message", channel, payload]}. */
  private void heard(Response push) {
    if (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI) return;
    if (push.size() < 3 || !"message".equals(push.get(0).toString()) || !CHANNEL.equals(push.get(1).toString())) return;
    JsonObject m;
    try {
      m = new JsonObject(push.get(2).toString());
    } catch (RuntimeException e) {
      return;
    }
    if (self.equals(m.getString("from"))) return;
    BackendHealth h = board.all().get(m.getString("backend", ""));
    if (h == null) return; // a backend this gateway does not have
    String what = m.getString("what", "");
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
