package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.until;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

  @Test
  void aClusterConnectionCoalescesTheWritesOfEachMastersSocket() {
    io.vertx.redis.client.RedisConnection connection = await(raw.connect());
    assertEquals(3, WriteCoalescing.install(connection));
    assertEquals("PONG", await(connection.send(Request.cmd(Command.PING))).toString());
    connection.close();
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
  void carriesTwoHundredConcurrentSessionsWithoutATimeoutOrAnOutage() {
    List<String> transitions = new CopyOnWriteArrayList<>();
    RedisCheckpointStore redis = new RedisCheckpointStore(vertx, clusterOptions(cluster), Clock.systemUTC());
    BufferedCheckpointStore buffered = new BufferedCheckpointStore(vertx, redis, BufferedStoreOptions.defaults(),
        transitions::add);
    try {
      SessionLoad load = SessionLoad.start(vertx, buffered, tenant, 200, 5, Duration.ZERO).await(Duration.ofSeconds(30));
      System.out.println("cluster, 200 sessions at full speed: " + load);
      assertEquals(List.of(), transitions, "never degraded: " + load);
      assertEquals(0, load.writeFailures.get() + load.readFailures.get(), load.toString());
      assertEveryTurnStoredOnce(redis, load);
    } finally {
      await(buffered.close());
    }
  }

  @Test
  void recoversByItselfAfterCommandsTimeOutAndStoresEveryTurnOnce() {
    List<String> transitions = new CopyOnWriteArrayList<>();
    RedisCheckpointStore redis = new RedisCheckpointStore(vertx,
        clusterOptions(cluster).withTimeout(Duration.ofMillis(500)), Clock.systemUTC());
    BufferedCheckpointStore buffered = new BufferedCheckpointStore(vertx, redis, BufferedStoreOptions.defaults(),
        transitions::add);
    try {
      SessionLoad load = SessionLoad.start(vertx, buffered, tenant, 200, 6, Duration.ofMillis(100));
      until(Duration.ofSeconds(20), "the sessions under way", () -> load.writes.get() > 400);
      cluster.pauseNode(0, 1_500); // three times the store's timeout
      long paused = System.nanoTime();
      load.await(Duration.ofSeconds(30));
      until(Duration.ofSeconds(20), "the buffered writes flushed", () -> recovered(buffered, transitions));
      System.out.println("cluster, a master silent for 1.5 s: " + load + "; " + transitions + "; recovered "
          + (System.nanoTime() - paused) / 1_000_000 + " ms after the pause began");

      assertTrue(transitions.get(0).startsWith("degraded") && load.buffered.get() > 0,
          "the pause did time commands out: " + transitions);
      assertEquals(0, buffered.dropped());
      assertEquals(0, load.writeFailures.get(), load.toString());
      assertEveryTurnStoredOnce(redis, load);
      assertEquals(SessionMeta.ACTIVE, await(buffered.append(key("after"), Append.of(0, SessionLoad.user("q")))).status(),
          "written, not buffered");
    } finally {
      await(buffered.close());
    }
  }

  @Test
  void recoversByItselfWhenAMasterRestartsEmptyAndRebuildsItsSessions() {
    // a cluster of its own: the restarted master comes back without its data
    try (RedisClusterFixture restarting = RedisClusterFixture.start(3)) {
      List<String> transitions = new CopyOnWriteArrayList<>();
      RedisCheckpointStore redis = new RedisCheckpointStore(vertx,
          clusterOptions(restarting).withTimeout(Duration.ofSeconds(1)), Clock.systemUTC());
      BufferedCheckpointStore buffered = new BufferedCheckpointStore(vertx, redis, BufferedStoreOptions.defaults(),
          transitions::add);
      try {
        SessionLoad load = SessionLoad.start(vertx, buffered, tenant, 200, 8, Duration.ofMillis(100));
        until(Duration.ofSeconds(20), "the sessions under way", () -> load.writes.get() > 600);
        restarting.stopNode(1);
        until(Duration.ofSeconds(10), "ping says the store cannot serve", () -> !succeeds(redis.ping()));
        restarting.startNode(1);
        restarting.awaitOk();
        long ok = System.nanoTime();
        load.await(Duration.ofSeconds(30));
        until(Duration.ofSeconds(20), "the buffered writes flushed", () -> recovered(buffered, transitions));
        System.out.println("cluster, a master restarted empty: " + load + "; " + transitions + "; recovered "
            + (System.nanoTime() - ok) / 1_000_000 + " ms after cluster_state:ok");

        assertTrue(transitions.get(0).startsWith("degraded"), transitions.toString());
          assertEquals(0, buffered.queued());
        assertEquals(0, buffered.dropped());
        assertEquals(0, load.writeFailures.get(), load.toString());
        await(buffered.ping());
        assertEquals(SessionMeta.ACTIVE, await(buffered.append(key("after"), Append.of(0, SessionLoad.user("q"))))
            .status(), "written, not buffered");
        // the sessions on the emptied master were rebuilt from the history their later writes carried
        assertEveryTurnStoredOnce(redis, load);
      } finally {
        await(buffered.close());
      }
    }
  }

  /** Out of degraded mode, and the listener told (it hears of it just after degraded() turns false). */
  private static boolean recovered(BufferedCheckpointStore buffered, List<String> transitions) {
    return !buffered.degraded() && !transitions.isEmpty()
        && transitions.get(transitions.size() - 1).startsWith("recovered");
  }

  private static boolean succeeds(Future<?> future) {
    try {
      await(future);
      return true;
    } catch (StoreUnavailableException e) {
      return false;
    }
  }

  /** Every session holds each of its turns once, in order: nothing lost, nothing doubled by a replay. */
  private static void assertEveryTurnStoredOnce(CheckpointStore redis, SessionLoad load) {
    for (SessionKey key : load.keys) {
      List<String> expected = new ArrayList<>();
      for (int turn = 1; turn <= load.turns; turn++) {
        expected.add(SessionLoad.user("question " + turn + " of " + key.id()).json());
        expected.add(SessionLoad.assistant("answer " + turn + " to " + key.id()).json());
      }
      SessionMeta meta = await(redis.meta(key));
      assertEquals(expected, await(redis.messages(key, 0, 1000)).stream().map(StoredMessage::json).toList(),
          key.toString());
      assertEquals(load.turns, meta.turns(), key + " turns");
    }
  }
}
