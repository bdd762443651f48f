package dev.rebound.gateway.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A pub/sub subscription that outlives its connection. */
class ChannelSubscriptionTest {
  final Vertx vertx = Vertx.vertx();
  final List<String> heard = new CopyOnWriteArrayList<>();
  final AtomicInteger subscribed = new AtomicInteger();
  ChannelSubscription subscription;
  Process redis;

  @AfterEach
  void stop() {
    if (subscription != null) subscription.close();
    if (redis != null) redis.destroyForcibly();
    vertx.close().await();
  }

  void publish(int port, String message) {
    Redis publisher = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
    try {
      publisher.send(Request.cmd(Command.PUBLISH).arg("rb:test").arg(message)).await();
    } finally {
      publisher.close();
    }
  }

  @Test
  void aSubscriptionWhoseRedisRestartsHearsTheChannelAgainOnceItIsBack() throws Exception {
    Path dir = Files.createTempDirectory("rebound-sub-");
    int port = TestRedis.freePort();
    redis = TestRedis.start(vertx, port, dir, false);
    subscription = new ChannelSubscription(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port),
        "rb:test", heard::add, subscribed::incrementAndGet);
    subscription.start();
    Eventually.await(vertx, 5_000, "the first subscription", () -> subscribed.get() == 1);
    publish(port, "before");
    Eventually.await(vertx, 5_000, "the first message", () -> heard.contains("before"));
    redis.destroyForcibly().waitFor();
    redis = TestRedis.start(vertx, port, dir, false);
    Eventually.await(vertx, 15_000, "the subscription made again", () -> subscribed.get() == 2);
    publish(port, "after");
    Eventually.await(vertx, 5_000, "a message after the restart", () -> heard.contains("after"));
    assertEquals(List.of("before", "after"), heard);
  }
}
