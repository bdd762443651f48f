package dev.rebound.gateway.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

  RedisOptions at(int port) {
    return new RedisOptions().setConnectionString("redis://127.0.0.1:" + port);
  }

  long connectionsReceived(int port) {
    Redis admin = Redis.createClient(vertx, at(port));
    try {
      String stats = admin.send(Request.cmd(Command.INFO).arg("stats")).await().toString();
      for (String line : stats.split("\r?\n")) {
        if (line.startsWith("total_connections_received:")) return Long.parseLong(line.substring(27).trim());
      }
      throw new AssertionError("no total_connections_received in " + stats);
    } finally {
      admin.close();
    }
  }

  @Test
  void aSubscriptionWhoseRedisStopsAnsweringIsReplacedOnceAPingGoesUnansweredAndHearsAgain() throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(vertx, port, Files.createTempDirectory("rebound-sub-"), false);
    subscription = new ChannelSubscription(vertx, at(port), "rb:test", heard::add, subscribed::incrementAndGet, 300);
    subscription.start();
    Eventually.await(vertx, 5_000, "the first subscription", () -> subscribed.get() == 1);
    // Redis reads nothing for 2 s: the connection stays open and silent, as a node gone without a reset leaves it
    Redis admin = Redis.createClient(vertx, at(port));
    admin.send(Request.cmd(Command.CLIENT).arg("PAUSE").arg(2_000).arg("ALL")).await();
    admin.close();
    Eventually.await(vertx, 10_000, "a new subscription once Redis answers again", () -> subscribed.get() == 2);
    publish(port, "after");
    Eventually.await(vertx, 5_000, "a message on the new subscription", () -> heard.contains("after"));
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void aHealthySubscriptionAnswersItsPingsAndKeepsItsConnection(ProtocolVersion protocol) throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(vertx, port, Files.createTempDirectory("rebound-sub-"), false);
    subscription = new ChannelSubscription(vertx, at(port).setPreferredProtocolVersion(protocol), "rb:test",
        heard::add, subscribed::incrementAndGet, 500);
    subscription.start();
    Eventually.await(vertx, 5_000, "the subscription", () -> subscribed.get() == 1);
    long connections = connectionsReceived(port);
    vertx.timer(2_600).await(); // five pings (each may take as long again: a loaded machine is no dead connection)
    publish(port, "still");
    Eventually.await(vertx, 5_000, "a message", () -> heard.contains("still"));
    assertEquals(1, subscribed.get(), "never resubscribed");
    assertEquals(List.of("still"), heard, "a PONG is not taken for a message");
    assertEquals(connections + 2, connectionsReceived(port), "no connection but the two admin ones");
  }
}
