package dev.rebound.gateway.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.recovery.BackendHealth.Permit;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.MutableClock;
import dev.rebound.gateway.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which gateway probes a due breaker is settled through the shared Redis (SET NX); a Redis that takes the claim and
 * does not answer must not keep the breaker refusing every request until it does.
 */
class ProbeClaimTest {
  static final ResilienceConfig.Breaker BREAKER =
      new ResilienceConfig.Breaker(5, Duration.ofSeconds(60), Duration.ofSeconds(30), 3);

  final Vertx vertx = Vertx.vertx();
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final List<BackendHealth.Transition> transitions = new CopyOnWriteArrayList<>();
  final BackendHealth health = new BackendHealth("b", BREAKER, clock, transitions::add);
  Process redis;
  int port;
  HealthShare share;

  @BeforeEach
  void start() throws Exception {
    port = TestRedis.freePort();
    redis = TestRedis.start(vertx, port, Files.createTempDirectory("rebound-probe-"), false);
    share = new HealthShare(vertx, "redis://127.0.0.1:" + port, List.of(), false,
        new HealthBoard(List.of(), BREAKER, clock, t -> {}), null, null, e -> {}, Clock.systemUTC());
    share.start();
    health.share(share);
  }

  @AfterEach
  void stop() {
    share.close();
    redis.destroyForcibly();
    vertx.close().await();
  }

  /** Opens the breaker and lets its first probe fall due. */
  void openAndDue() {
    for (int i = 0; i < BREAKER.failureThreshold(); i++) {
      assertEquals(Permit.GRANTED, health.acquire());
      health.failed("boom");
    }
    assertEquals(BackendHealth.State.OPEN, health.state());
    clock.advance(health.nextProbeIn().plusMillis(1));
  }

  /** Sends one command on a connection of its own, as redis-cli would. */
  Response redisSays(Request command) {
    Redis admin = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
    try {
      return admin.send(command).await();
    } finally {
      admin.close();
    }
  }

  @Test
  void aGatewayWhoseRedisTakesTheProbeClaimAndStallsProbesAloneAfterTheAsksTimeoutNotWhenRedisWakes() {
    openAndDue();
    // Redis stalls for ten seconds: it reads the claim and answers nothing meanwhile
    redisSays(Request.cmd(Command.CLIENT).arg("PAUSE").arg(10_000).arg("ALL"));
    long asked = System.nanoTime();
    assertInstanceOf(Permit.Rejected.class, health.acquire(), "while the gateways settle who probes, none may send");
    Eventually.await(vertx, 5_000, "the breaker to let this gateway probe",
        () -> health.acquire() == Permit.GRANTED);
    long waitedMs = (System.nanoTime() - asked) / 1_000_000;
    assertTrue(waitedMs >= HealthShare.PROBE_ASK_TIMEOUT.toMillis() && waitedMs < 5_000,
        "decided alone after the ask's timeout, not when Redis woke: " + waitedMs + " ms");
    assertEquals(BackendHealth.State.HALF_OPEN, health.state());
    String reason = transitions.get(transitions.size() - 1).reason();
    assertTrue(reason.contains("did not say who probes within 250 ms"), reason);
  }

  @Test
  void aGatewayThatWinsTheProbeClaimProbesAtOnceAndSaysNothingOfDecidingAlone() {
    openAndDue();
    assertInstanceOf(Permit.Rejected.class, health.acquire(), "the claim is in flight");
    Eventually.await(vertx, 5_000, "the claim's answer", () -> health.acquire() == Permit.GRANTED);
    String reason = transitions.get(transitions.size() - 1).reason();
    assertEquals(BackendHealth.State.HALF_OPEN, health.state());
    assertTrue(reason.startsWith("reset timeout passed") && !reason.contains("probes within"), reason);
  }

  @Test
  void aClaimThisGatewayStillHoldsIsItsOwnSoALateOneCannotKeepEveryGatewayFromTheNextProbe() {
    openAndDue();
    // opening released the claim (a script on one pooled connection); the ask below goes on another, so it waits for
    // the release to be done, as the breaker's first probe delay makes it in a gateway
    vertx.timer(200).await();
    health.acquire();
    Eventually.await(vertx, 5_000, "the first claim", () -> health.acquire() == Permit.GRANTED);
    String self = redisSays(Request.cmd(Command.GET).arg("rb:probe:b")).toString();
    for (int i = 0; i < BREAKER.halfOpenCalls(); i++) health.failed("still down");
    assertEquals(BackendHealth.State.OPEN, health.state(), "open again: the claim is released");
    Eventually.await(vertx, 5_000, "the release", () -> redisSays(Request.cmd(Command.EXISTS).arg("rb:probe:b"))
        .toInteger() == 0);
    // the claim of an ask that gave up on Redis lands only now, after the release
    redisSays(Request.cmd(Command.SET).arg("rb:probe:b").arg(self).arg("PX").arg(60_000));
    clock.advance(health.nextProbeIn().plusMillis(1));
    health.acquire();
    Eventually.await(vertx, 5_000, "the next probe", () -> health.acquire() == Permit.GRANTED);
    String reason = transitions.get(transitions.size() - 1).reason();
    assertTrue(!reason.contains("probes within"), "granted by the claim, not by the timeout: " + reason);
  }
}
