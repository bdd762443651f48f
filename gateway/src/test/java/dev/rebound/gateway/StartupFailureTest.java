package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.http.GatewayServer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A gateway that cannot start says so: start() fails, it never leaves the caller waiting. */
class StartupFailureTest {
  @Test
  void aStoreOptionTheRedisClientRejectsFailsStartupInsteadOfHangingIt() {
    ReboundConfig config = new ConfigLoader(Map.of()).parse("""
        server: { host: 127.0.0.1, port: 0 }
        backends: [ { name: b, protocol: openai, url: "http://127.0.0.1:9", discoverWindow: off, models: [ { name: m, contextWindow: 1000 } ] } ]
        agents: [ { name: a, backend: b, model: m } ]
        routes: [ { name: all, match: {}, agents: [a] } ]
        store: { type: redis, redis: { url: "redis://127.0.0.1:notaport/x" } }
        """, "test config");
    Vertx vertx = Vertx.vertx();
    try {
      GatewayServer gateway = new GatewayServer(vertx, config, e -> {}, Clock.systemUTC(), null);
      Throwable failure = gateway.start().transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause()))
          .toCompletionStage().toCompletableFuture().orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
      assertTrue(failure != null, "start() must fail");
    } finally {
      vertx.close().await();
    }
  }
}
