package dev.rebound.gateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.gateway.config.RoutingConfig;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two gateways' outcome boards sharing over one real redis-server's pub/sub. */
class OutcomeShareTest {
  final Vertx vertx = Vertx.vertx();
  Process redis;
  OutcomeShare a;
  OutcomeShare b;

  @AfterEach
  void stop() {
    if (a != null) a.close();
    if (b != null) b.close();
    if (redis != null) redis.destroyForcibly();
    vertx.close().await();
  }

  @Test
  void aVoteCountsOnceOnTheGatewayThatTookItThoughItHearsItsOwnBatchBackAndOnceOnTheOther(@TempDir Path dir)
      throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(vertx, port, dir, false);
    String url = "redis://127.0.0.1:" + port;
    OutcomeBoard boardA = new OutcomeBoard(RoutingConfig.Outcomes.DEFAULT, Clock.systemUTC());
    OutcomeBoard boardB = new OutcomeBoard(RoutingConfig.Outcomes.DEFAULT, Clock.systemUTC());
    a = new OutcomeShare(vertx, url, boardA);
    b = new OutcomeShare(vertx, url, boardB);
    a.start();
    b.start();
    Redis raw = Redis.createClient(vertx, url);
    Eventually.await(vertx, 10_000, "both gateways to be subscribed", () -> {
      Response n = raw.send(Request.cmd(Command.PUBSUB).arg("NUMSUB").arg(OutcomeShare.CHANNEL)).await();
      return (n.isMap() ? n.get(OutcomeShare.CHANNEL) : n.get(1)).toInteger() == 2; // RESP3: a map
    });
    raw.close();

    boardA.feedback("agent-a", "code", 1.0);
    Eventually.await(vertx, 10_000, "B to hear A's vote", () -> boardB.reason("agent-a", "code") != null);
    // A's subscription delivers in order: once A hears B's later vote, it has heard its own batch back too
    boardB.feedback("agent-b", "code", -1.0);
    Eventually.await(vertx, 10_000, "A to hear B's vote", () -> boardA.reason("agent-b", "code") != null);

    assertEquals("feedback +1.0 over 1 vote on code (+1.00)", boardA.reason("agent-a", "code"));
    assertEquals(boardA.reason("agent-a", "code"), boardB.reason("agent-a", "code"));
    assertEquals(boardB.reason("agent-b", "code"), boardA.reason("agent-b", "code"));
  }
}
