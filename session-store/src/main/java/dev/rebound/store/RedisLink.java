package dev.rebound.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * The store's way to Redis: one long-lived connection (in a cluster, the client's cluster connection: one socket per
 * master), shared by every command and pipelined, opened on first use and replaced whole, with a client of its own,
 * once it is broken: its socket closed, it could not be opened, or a command on it timed out.
 *
 * <p>Why not {@link Redis#send}: in cluster mode every such send leases a pooled connection to <em>every</em> master
 * before it writes anything. Sends from several event loops lease them in different orders, so two sends can each
 * hold the lease the other waits for; under load (50 concurrent sessions) the pools deadlock, and since a timeout only
 * abandons the wait, nothing ever returns a lease: the store stays unreachable for good, PING included. A pipelined
 * connection holds nothing while a command waits, and a timeout retires it with everything it held.
 *
 * <p>The connection is used from one context (the cluster connection is not thread-safe); each result is handed back
 * on the caller's context, and the timeout runs there too. A caller on that context's thread sends and is answered
 * without a hop through the event loop's task queue. The commands it is given within one event-loop turn leave in one
 * write ({@link WriteCoalescing}).
 */
final class RedisLink {

  private final Vertx vertx;
  private final RedisOptions options;
  private final long timeoutMillis;

  // guarded by this
  private Generation current;
  /** The first client, made (not connected) at construction so that options the client rejects fail there. */
  private Redis unused;
  private boolean closed;

  /** One client and its connection; retired together. */
  private record Generation(Context context, Redis client, Future<RedisConnection> connection) {}

  RedisLink(Vertx vertx, RedisOptions options, long timeoutMillis) {
    this.vertx = vertx;
    this.options = options;
    this.timeoutMillis = timeoutMillis;
    this.unused = Redis.createClient(vertx, options);
  }

  /**
   * Sends one command. Fails with an error reply ({@link Response}) only when Redis answered with one; else with a
   * {@link TimeoutException} past the timeout, or with what broke the connection.
   */
  Future<Response> send(Request request) {
    Generation g;
    synchronized (this) {
      if (closed) return Future.failedFuture(new IllegalStateException("the Redis store is closed"));
      if (current == null) current = open();
      g = current;
    }
    Context caller = Vertx.currentContext();
    Promise<Response> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (result.future().isComplete()) return;
      // retired first, so that a command sent once this failure is seen goes over a new connection
      retire(g);
      result.tryFail(new TimeoutException("no answer from redis within " + timeoutMillis + " ms"));
    });
    // emit: at once when already on that context's thread (the gateway's own event loop, usually), else queued to it;
    // runOnContext would queue a task both ways even then, two of them for every command
    ((ContextInternal) g.context()).emit(v -> g.connection().compose(c -> c.send(request)).onComplete(ar -> {
      Throwable failure = ar.failed() ? unreplied(ar.cause()) : null;
      if (failure != null && breaks(failure)) retire(g);
      Handler<Void> complete = x -> {
        vertx.cancelTimer(timer);
        if (failure == null) result.tryComplete(ar.result());
        else result.tryFail(failure);
      };
      if (caller == null) complete.handle(null);
      else ((ContextInternal) caller).emit(complete);
    }));
    return result.future();
  }

  Future<Void> close() {
    Redis client;
    synchronized (this) {
      closed = true;
      client = current != null ? current.client() : unused;
      current = null;
      unused = null;
    }
    return client == null ? Future.succeededFuture() : client.close();
  }

  /** Must hold the lock. Connecting starts on the new client's own context, which every later send then uses. */
  private Generation open() {
    Redis client = unused != null ? unused : Redis.createClient(vertx, options);
    unused = null;
    Context context = vertx.getOrCreateContext();
    Promise<RedisConnection> connected = Promise.promise();
    context.runOnContext(v -> client.connect().onSuccess(WriteCoalescing::install).onComplete(connected));
    return new Generation(context, client, connected.future());
  }

  /** Retires a broken generation (once): the next command opens a new one; what was in flight on it fails. */
  private void retire(Generation g) {
    synchronized (this) {
      if (current != g) return;
      current = null;
    }
    g.client().close();
  }

  /**
   * The client fails the commands in flight on a socket that closed with an error reply "CONNECTION_CLOSED": Redis
   * said nothing, so it is reported as the connection failure it is, not as a reply.
   */
  private static Throwable unreplied(Throwable failure) {
    if (failure instanceof Response && "CONNECTION_CLOSED".equals(failure.getMessage())) {
      return new IOException("connection to redis closed with the command in flight");
    }
    return failure;
  }

  /**
   * Whether a failure says the connection cannot be trusted: not an error reply (Redis answered), not a full
   * pipeline (the connection works, it is only busy), not a command refused before sending (keys in two slots).
   */
  private static boolean breaks(Throwable failure) {
    if (failure instanceof Response) return false;
    String message = failure.getMessage();
    return message == null || !(message.contains("waiting queue is full") || message.contains("CROSSSLOT"));
  }
}
