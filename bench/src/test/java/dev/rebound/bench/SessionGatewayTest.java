package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sessions scenarios' gateway set-up, without processes: config, PATH lookup, /ready and /metrics parsing. */
class SessionGatewayTest {
  @Test
  void theGeneratedConfigHasTheStoreAndATenantOfItsOwn() {
    String yaml = Topology.gatewayConfigYaml("http://127.0.0.1:9", "{ type: redis, ttl: 1h, redis: { url: \"${REDIS_URL}\" } }",
        SessionGateway.tenantsYaml("bench-abc"));
    assertTrue(yaml.contains("store: { type: redis, ttl: 1h, redis: { url: \"${REDIS_URL}\" } }\n"), yaml);
    assertTrue(yaml.endsWith("tenants:\n  - { name: bench-abc }\n"), yaml);
    assertTrue(yaml.contains("url: \"http://127.0.0.1:9\""), yaml);
    // the shared gateway's config is unchanged
    assertTrue(Topology.gatewayConfigYaml("http://127.0.0.1:9", Path.of("/tmp/d"))
        .contains("store: { type: embedded, path: \"/tmp/d\" }\n"));
  }

  @Test
  void redisUrlsAreReportedWithoutTheirPassword() {
    assertEquals("redis://10.0.0.2:6380/1", SessionGateway.redactedUrl("redis://:s3cret@10.0.0.2:6380/1"));
    assertEquals("rediss://cache.example:6379", SessionGateway.redactedUrl("rediss://user:pw@cache.example:6379"));
    assertFalse(SessionGateway.redactedUrl("redis://:pw@h:1").contains("pw"));
  }

  @Test
  void redisServerIsLookedUpOnPath(@TempDir Path dir) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    assertFalse(SessionGateway.onPath("redis-server", bin.toString()));
    assertFalse(SessionGateway.onPath("redis-server", null));
    Path exe = Files.writeString(bin.resolve("redis-server"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertTrue(SessionGateway.onPath("redis-server", "/nonexistent" + java.io.File.pathSeparator + bin));
    assertTrue(SessionGateway.REDIS_MISSING.contains("apt-get install redis-server"), SessionGateway.REDIS_MISSING);
    assertTrue(SessionGateway.REDIS_MISSING.contains("REDIS_URL"));
  }

  @Test
  void readyBodiesSayWhetherTheStoreIsReachable() {
    assertTrue(SessionGateway.storeReachable("{\"status\":\"ready\",\"store\":{\"type\":\"redis\",\"reachable\":true,\"queuedWrites\":0}}"));
    assertFalse(SessionGateway.storeReachable("{\"status\":\"degraded\",\"store\":{\"type\":\"redis\",\"reachable\":false}}"));
    assertFalse(SessionGateway.storeReachable(null));
  }

  @Test
  void decisionCountersAreReadFromMetricsAndDiffed() {
    String text = """
        # HELP rebound_decisions_total Decisions made, by type (route, wait, fallback, breaker, checkpoint, give-up...).
        # TYPE rebound_decisions_total counter
        rebound_decisions_total{type="checkpoint"} 120
        rebound_decisions_total{type="route"} 60
        rebound_decisions_total{type="session-unrecorded"} 1
        # HELP rebound_store_degraded 1 while the session store is unreachable and writes are queued.
        rebound_store_degraded 0
        """;
    Map<String, Long> before = SessionGateway.parseDecisions(text);
    assertEquals(Map.of("checkpoint", 120L, "route", 60L, "session-unrecorded", 1L), before);
    Map<String, Long> after = Map.of("checkpoint", 220L, "route", 110L, "session-unrecorded", 1L, "fork", 2L);
    assertEquals(Map.of("checkpoint", 100L, "route", 50L, "fork", 2L), SessionGateway.delta(before, after));
  }

  @Test
  void forksAndUnrecordedTurnsCountAsErrorsOfThePhase() {
    PhaseResult p = ReportTest.phase("gateway", 1, 50, 100, 0, Map.of("http-503", 1L));
    PhaseResult q = p.withSessionEvents(Map.of("checkpoint", 100L, "route", 50L, "fork", 2L, "session-unrecorded", 3L));
    assertEquals(Map.of("http-503", 1L, "session-fork", 2L, "session-unrecorded", 3L), q.errors());
    assertEquals(100L, q.sessionEvents().get("checkpoint"));
    assertEquals(p.ok(), q.ok());
    assertEquals(Map.of(), p.sessionEvents());
    assertEquals(Map.of("http-503", 1L), p.withSessionEvents(Map.of("checkpoint", 4L)).errors());
  }

  @Test
  void theStoreProcessCpuIsItsOwnFigureAndNotOtherLoad() {
    Resources.Snapshot a = new Resources.Snapshot(0, 0, 0, 1, 1_000, 0).withStoreCpu(50);
    Resources.Snapshot b = new Resources.Snapshot(300, 200, 100, 1, 2_000, 1_000).withStoreCpu(250);
    Resources r = b.since(a);
    assertEquals(200, r.storeCpuNanos());
    assertEquals(1_000 - 300 - 200 - 100 - 200, r.otherCpuNanos());
    Resources none = new Resources.Snapshot(300, 200, 100, 1, 2_000, 1_000).since(new Resources.Snapshot(0, 0, 0, 1, 1_000, 0));
    assertEquals(-1, none.storeCpuNanos());
    assertEquals(400, none.otherCpuNanos());
  }
}
