package dev.rebound.store;

import static dev.rebound.store.Await.await;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

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
}
