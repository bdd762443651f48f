package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract against a 3-master Redis Cluster the test starts itself: a session's keys share one slot, the tenant's
 * listing lives on another, and every script must stay within one slot.
 */
class RedisClusterCheckpointStoreTest extends CheckpointStoreContract {

  private static RedisClusterFixture cluster;
  private Redis raw;

  @BeforeAll
  static void startCluster() {
    cluster = RedisClusterFixture.start(3);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @BeforeEach
  void connectRaw() {
    raw = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
        .setEndpoints(cluster.endpoints()));
  }

  @AfterEach
  void closeRaw() {
    await(raw.close());
  }

  static RedisStoreOptions clusterOptions(RedisClusterFixture cluster) {
    return new RedisStoreOptions(null, "cluster", cluster.endpoints(), null, null, RedisStoreOptions.DEFAULT_MAX_EVENTS);
  }

  @Override
  protected Future<? extends CheckpointStore> newStore(Vertx vertx, Clock clock, Duration ttl, int maxEvents) {
    RedisStoreOptions options = clusterOptions(cluster).withTtl(ttl).withMaxEvents(maxEvents);
    return Future.succeededFuture(new RedisCheckpointStore(vertx, options, clock));
  }

  /** Shortens the remaining TTL of every key of the session, as if the time had passed (PEXPIRE <= 0 deletes). */
  @Override
  protected void age(SessionKey key, Duration by) {
    for (String k : RedisKeys.of(key).session()) {
      long remaining = send(Request.cmd(Command.PTTL).arg(k)).toLong();
      if (remaining > 0) send(Request.cmd(Command.PEXPIRE).arg(k).arg(remaining - by.toMillis()));
    }
    clock.advance(by);
  }

  private Response send(Request request) {
    return await(raw.send(request));
  }

  // ------------------------------------------------------------------------------------------------ under load

  @Test
  void carriesTwoHundredConcurrentSessionsWithoutATimeoutOrAnOutage() throws Exception {
    List<String> transitions = new CopyOnWriteArrayList<>();
    RedisCheckpointStore redis = new RedisCheckpointStore(vertx, clusterOptions(cluster), Clock.systemUTC());
    BufferedCheckpointStore buffered = new BufferedCheckpointStore(vertx, redis, BufferedStoreOptions.defaults(),
        transitions::add);
    try {
      Load load = Load.run(vertx, buffered, tenant, 200, 5);
      System.out.println("cluster load: " + load);
      assertEquals(List.of(), transitions, "never degraded");
      assertEquals(0, load.failures.get(), load.toString());
      assertEquals(0, buffered.dropped());
      for (SessionKey key : load.keys) {
        SessionMeta meta = await(redis.meta(key));
        assertEquals(10, meta.messageCount(), key + ": 5 turns, a question and an answer each");
        assertEquals(5, meta.turns(), key.toString());
        assertEquals(10, meta.checkpointCount(), key.toString());
      }
    } finally {
      await(buffered.close());
    }
  }

  /**
   * Sessions conversing at once, each on an event loop of its own (as the gateway's requests arrive), every turn
   * making the store calls the gateway makes: the session read (meta, then its messages), the user turn with an ERROR
   * checkpoint, the turn's events in one call (not awaited, like SessionEventRecorder), the assistant turn with an
   * AUTO checkpoint.
   */
  static final class Load {
    final List<SessionKey> keys = new ArrayList<>();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong buffered = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong slow = new AtomicLong();
    final AtomicLong maxMillis = new AtomicLong();
    final List<String> failed = new CopyOnWriteArrayList<>();
    long elapsedMillis;

    static Load run(Vertx vertx, CheckpointStore store, String tenant, int sessions, int turns) throws Exception {
      Load load = new Load();
      List<Future<Void>> done = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < sessions; i++) {
        SessionKey key = new SessionKey(tenant, "load-" + i);
        load.keys.add(key);
        io.vertx.core.Promise<Void> finished = io.vertx.core.Promise.promise();
        // from a non-Vert.x thread every call is a new context, spread over the event loops
        vertx.getOrCreateContext().runOnContext(v -> new Conversation(load, store, key).turns(turns)
            .onComplete(finished));
        done.add(finished.future());
      }
      Future.join(done).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      load.elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      return load;
    }

    <T> Future<T> timed(java.util.function.Supplier<Future<T>> call, boolean write) {
      long start = System.nanoTime();
      calls.incrementAndGet();
      if (write) writes.incrementAndGet();
      return call.get().andThen(ar -> {
        long millis = (System.nanoTime() - start) / 1_000_000;
        maxMillis.accumulateAndGet(millis, Math::max);
        if (millis >= 1000) slow.incrementAndGet();
        if (ar.failed()) {
          failures.incrementAndGet();
          if (failed.size() < 5) failed.add(String.valueOf(ar.cause()));
        } else if (ar.result() instanceof SessionMeta m && BufferedCheckpointStore.BUFFERED.equals(m.status())) {
          buffered.incrementAndGet();
        }
      });
    }

    @Override
    public String toString() {
      return keys.size() + " sessions, " + calls + " store calls (" + writes + " writes) in " + elapsedMillis + " ms = "
          + (writes.get() * 1000 / Math.max(1, elapsedMillis)) + " writes/s; slowest " + maxMillis + " ms, " + slow
          + " calls >= 1 s, " + failures + " failed " + failed + ", " + buffered + " buffered";
    }
  }

  private static final class Conversation {
    private final Load load;
    private final CheckpointStore store;
    private final SessionKey key;
    private final List<NewMessage> history = new ArrayList<>();
    private long version;
    private Instant created;
    private Future<?> events = Future.succeededFuture();

    Conversation(Load load, CheckpointStore store, SessionKey key) {
      this.load = load;
      this.store = store;
      this.key = key;
    }

    Future<Void> turns(int left) {
      if (left == 0) return events.transform(ar -> Future.succeededFuture());
      int turn = history.size() / 2 + 1;
      return read().compose(v -> {
        NewMessage question = user("question " + turn + " of " + key.id());
        List<NewMessage> before = List.copyOf(history);
        Append append = Append.of(version, question).ofSessionCreated(created).extending(() -> before)
            .withCheckpoint(new CheckpointDraft(CheckpointKind.ERROR, null, "[]", 0, "user turn"))
            .withMeta(new MetaChange("openai", null, SessionMeta.ACTIVE, 0, 0));
        return load.timed(() -> store.append(key, append), true).compose(meta -> {
          advance(meta, question);
          events = events.transform(ar -> load.timed(() -> store.appendEvents(key, List.of(
              new NewEvent(null, "route", "chain default", null),
              new NewEvent(null, "checkpoint", "user turn stored", "{\"version\":" + meta.version() + "}"))), true));
          NewMessage answer = assistant("answer " + turn + " to " + key.id());
          List<NewMessage> asked = List.copyOf(history);
          Append answered = Append.of(version, answer).replacingPartial().extending(() -> asked)
              .withCheckpoint(new CheckpointDraft(CheckpointKind.AUTO, null, "[]", 0, "turn " + turn))
              .withMeta(new MetaChange("openai", "coder", SessionMeta.ACTIVE, 1, 0));
          return load.timed(() -> store.append(key, answered), true).map(m -> {
            advance(m, answer);
            return null;
          });
        });
      }).compose(v -> turns(left - 1));
    }

    /** What a gateway does when its cache does not know the session: its meta, then its messages. */
    private Future<Void> read() {
      return load.timed(() -> store.meta(key), false)
          .compose(meta -> meta == null ? Future.succeededFuture()
              : load.timed(() -> store.messages(key, 0, meta.messageCount()), false))
          .<Void>mapEmpty()
          .otherwiseEmpty();
    }

    private void advance(SessionMeta meta, NewMessage stored) {
      version = meta.version();
      if (created == null) created = meta.created();
      history.add(stored);
    }
  }
}
