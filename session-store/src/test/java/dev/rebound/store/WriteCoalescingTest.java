package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What Redis sees of the store's connection: commands sent within one event-loop turn arrive in one read. A server of
 * the test's own, so that no other client's reads are counted.
 */
class WriteCoalescingTest {

  private static RedisServerFixture server;
  private final Vertx vertx = Vertx.vertx();

  @BeforeAll
  static void startServer() {
    server = RedisServerFixture.startPrivate();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) server.stop();
  }

  @AfterEach
  void closeVertx() {
    await(vertx.close());
  }

  @Test
  void aHundredCommandsSentInOneEventLoopTurnReachRedisInOneReadAndEachGetsItsOwnReply() {
    RedisLink link = new RedisLink(vertx, new RedisOptions().setConnectionString(server.url()), 5_000);
    // sent from the context the link then keeps its connection on, so that the hundred below run inline, in one turn
    Context context = vertx.getOrCreateContext();
    await(onContext(context, () -> link.send(Request.cmd(Command.PING))));
    long before = readsProcessed(link);

    List<Response> replies = await(onContext(context, () -> {
      List<Future<Response>> sent = new ArrayList<>();
      for (int i = 0; i < 100; i++) sent.add(link.send(Request.cmd(Command.ECHO).arg("reply " + i)));
      return Future.all(sent).map(all -> all.<Response>list());
    }));

    for (int i = 0; i < 100; i++) assertEquals("reply " + i, replies.get(i).toString());
    // the INFO that reads the counter is a read of its own; a burst may at most be split where the socket's buffer was
    long reads = readsProcessed(link) - before - 1;
    assertTrue(reads <= 2, "Redis read the hundred commands in " + reads + " reads");
    await(link.close());
  }

  @Test
  void aStandaloneConnectionHasOneSocketToCoalesce() {
    Redis client = Redis.createClient(vertx, server.url());
    RedisConnection connection = await(client.connect());
    assertEquals(1, WriteCoalescing.install(connection));
    assertEquals(1, WriteCoalescing.install(connection), "installing twice leaves one handler");
    assertEquals("PONG", await(connection.send(Request.cmd(Command.PING))).toString());
    await(client.close());
  }

  private static long readsProcessed(RedisLink link) {
    String stats = await(link.send(Request.cmd(Command.INFO).arg("stats"))).toString();
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("total_reads_processed:")) {
        return Long.parseLong(line.substring("total_reads_processed:".length()).trim());
      }
    }
    throw new AssertionError("INFO stats has no total_reads_processed: " + stats);
  }

  private static <T> Future<T> onContext(Context context, java.util.function.Supplier<Future<T>> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(result));
    return result.future();
  }
}
