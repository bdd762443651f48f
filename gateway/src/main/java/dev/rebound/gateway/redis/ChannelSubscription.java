package dev.rebound.gateway.redis;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.function.Consumer;

/**
 * A subscription to one Redis pub/sub channel that outlives its connection: a connection that fails or ends is
 * replaced after a backoff (250 ms doubling to 10 s, back to 250 ms once connected), and each message's payload goes
 * to the handler on the connection's event loop. A connection can also die in silence (a node gone without a reset,
 * a cut that drops packets): nothing fails and nothing arrives, for hours. So the subscription PINGs its connection
 * every {@link #PING_EVERY_MS} ms and replaces it when the answer does not come within as long again. What gateways
 * on one Redis tell each other (backend health, agents' outcomes) travels this way; it is best effort, so a Redis
 * that is away only means nothing is heard meanwhile.
 */
public final class ChannelSubscription {
  private static final long FIRST_RETRY_MS = 250;
  private static final long MAX_RETRY_MS = 10_000;
  static final long PING_EVERY_MS = 5_000;

  private final Vertx vertx;
  private final RedisOptions options;
  private final String channel;
  private final Consumer<String> onMessage;
  private final Runnable onSubscribed;
  private final long pingEveryMs;
  private long pingTimer = -1;
  /** One client for every connection this subscription makes, closed with it. */
  private Redis client;
  private RedisConnection listening;
  private long retryMs = FIRST_RETRY_MS;
  private boolean relistening;
  private volatile boolean closed;

  /**
   * @param onMessage    each message's payload
   * @param onSubscribed after each (re)subscription: a moment to read what was said while nobody listened
   */
  public ChannelSubscription(Vertx vertx, RedisOptions options, String channel, Consumer<String> onMessage,
      Runnable onSubscribed) {
    this(vertx, options, channel, onMessage, onSubscribed, PING_EVERY_MS);
  }

  ChannelSubscription(Vertx vertx, RedisOptions options, String channel, Consumer<String> onMessage,
      Runnable onSubscribed, long pingEveryMs) {
    this.pingEveryMs = pingEveryMs;
    this.vertx = vertx;
    this.options = options;
    this.channel = channel;
    this.onMessage = onMessage;
    this.onSubscribed = onSubscribed;
  }

  public void start() {
    client = Redis.createClient(vertx, options);
    listen();
  }

  public void close() {
    closed = true;
    if (pingTimer >= 0) vertx.cancelTimer(pingTimer);
    if (listening != null) listening.close();
    if (client != null) client.close();
  }

  private void listen() {
    if (closed) return;
    client.connect().onSuccess(conn -> {
      if (closed) {
        conn.close();
        return;
      }
      listening = conn;
      retryMs = FIRST_RETRY_MS;
      conn.handler(this::heard);
      // a connection given up on may still report its end: only the current one's counts
      conn.exceptionHandler(err -> {
        if (listening == conn) relisten();
      });
      conn.endHandler(v -> {
        if (listening == conn) relisten();
      });
      conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onSuccess(r -> {
        onSubscribed.run();
        pingLater(conn);
      }).onFailure(err -> relisten());
    }).onFailure(err -> relisten());
  }

  /** Asks the connection for a PONG in a while; one that does not come in time means the connection is dead. */
  private void pingLater(RedisConnection conn) {
    pingTimer = vertx.setTimer(pingEveryMs, id -> {
      if (closed || listening != conn) return;
      long deadline = vertx.setTimer(pingEveryMs, t -> {
        if (listening == conn) relisten();
      });
      conn.send(Request.cmd(Command.PING)).onComplete(ar -> {
        vertx.cancelTimer(deadline);
        if (closed || listening != conn) return;
        if (ar.failed()) relisten();
        else pingLater(conn);
      });
    });
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
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    vertx.setTimer(delay, id -> {
      relistening = false;
      listen();
    });
  }

  /** A pushed message: {@code ["message", channel, payload]}. */
  private void heard(Response push) {
    if (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI) return;
    if (push.size() < 3 || !"message".equals(push.get(0).toString()) || !channel.equals(push.get(1).toString())) return;
    onMessage.accept(push.get(2).toString());
  }
}
