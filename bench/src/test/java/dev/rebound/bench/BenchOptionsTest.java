package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
  @Test
  void defaults() throws Exception {
    BenchOptions o = BenchOptions.parse(new String[0]);
    assertEquals(List.of(), o.scenarios());
    assertFalse(o.quick());
    assertEquals(Duration.ofSeconds(10), o.duration());
    assertEquals(Duration.ofSeconds(5), o.warmup());
    assertEquals(Duration.ofSeconds(20), o.processWarmup());
    assertEquals(3, o.repetitions());
    assertEquals(0, o.requests());
    assertEquals(null, o.out());
    assertEquals(null, o.gatewayJar());
    assertEquals(List.of(), o.peers());
    assertEquals(List.of(Peer.REFERENCE_PROXY),
        BenchOptions.parse(new String[] {"nonstream", "--reference-proxy"}).peers());
  }

  @Test
  void peersAreNamedInAListOrOneByOneInTheOrderGivenEachOnce() throws Exception {
    assertEquals(List.of(Peer.REFERENCE_PROXY, Peer.NGINX),
        BenchOptions.parse(new String[] {"--peers", "reference,nginx"}).peers());
    assertEquals(List.of(Peer.NGINX, Peer.REFERENCE_PROXY),
        BenchOptions.parse(new String[] {"--peer", "nginx", "--peers=reference-proxy", "--reference-proxy"}).peers());
    BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class,
        () -> BenchOptions.parse(new String[] {"--peers", "nginx,envoy"}));
    assertEquals("--peers: unknown peer 'envoy'; known: reference-proxy, nginx, baseline", e.getMessage());
    assertTrue(BenchOptions.parse(new String[] {"--peers", "nginx"}).plan()
        .endsWith("; on the plain-proxying scenarios B is the gateway, then nginx, each after the same A"));
  }

  @Test
  void aBaselineIsAnotherBuildNamedByItsJarNeverByNameAlone() throws Exception {
    BenchOptions o = BenchOptions.parse(new String[] {"stream-burst", "--reference-proxy", "--baseline-jar", "/tmp/main.jar"});
    assertEquals(List.of(Peer.REFERENCE_PROXY, Peer.BASELINE), o.peers());
    assertEquals(java.nio.file.Path.of("/tmp/main.jar"), o.baselineJar());
    assertEquals(null, BenchOptions.parse(new String[] {"c1"}).baselineJar());
    BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class,
        () -> BenchOptions.parse(new String[] {"--peers", "nginx,baseline"}));
    assertEquals("--peers: baseline is another build: name its jar with --baseline-jar PATH", e.getMessage());
  }

  @Test
  void quickSetsShortPhasesButExplicitOptionsWinInAnyOrder() throws Exception {
    BenchOptions q = BenchOptions.parse(new String[] {"--quick", "c1"});
    assertEquals(BenchOptions.QUICK_DURATION, q.duration());
    assertEquals(BenchOptions.QUICK_WARMUP, q.warmup());
    assertEquals(BenchOptions.QUICK_PROCESS_WARMUP, q.processWarmup());
    assertEquals(BenchOptions.QUICK_REPETITIONS, q.repetitions());
    assertEquals(List.of("c1"), q.scenarios());

    BenchOptions o = BenchOptions.parse(new String[] {"--duration", "1s", "--quick", "--repetitions=1", "--warmup", "0",
        "--process-warmup", "0"});
    assertEquals(Duration.ZERO, o.processWarmup());
    assertEquals(Duration.ofSeconds(1), o.duration());
    assertEquals(1, o.repetitions());
    assertEquals(Duration.ZERO, o.warmup());
  }

  @Test
  void everyOption() throws Exception {
    BenchOptions o = BenchOptions.parse(new String[] {"stream", "c1", "--duration", "2.5s", "--warmup", "500ms",
        "--requests", "1000", "--concurrency", "stream=8,nonstream=64", "--out", "/tmp/x", "--gateway-jar", "g.jar",
        "--gateway-java-opts", "-Xmx256m  -XX:+UseSerialGC", "--check-budgets"});
    assertEquals(List.of("stream", "c1"), o.scenarios());
    assertEquals(Duration.ofMillis(2500), o.duration());
    assertEquals(Duration.ofMillis(500), o.warmup());
    assertEquals(1000, o.requests());
    assertEquals(Map.of("stream", 8, "nonstream", 64), o.concurrency());
    assertEquals(Path.of("/tmp/x"), o.out());
    assertEquals(Path.of("g.jar"), o.gatewayJar());
    assertEquals(List.of("-Xmx256m", "-XX:+UseSerialGC"), o.gatewayJavaOpts());
    assertTrue(o.checkBudgets());
    assertEquals(Map.of("*", 16), BenchOptions.parse(new String[] {"--concurrency", "16"}).concurrency());
  }

  @Test
  void durations() throws Exception {
    assertEquals(Duration.ofMillis(250), BenchOptions.parseDuration("--d", "250ms"));
    assertEquals(Duration.ofSeconds(90), BenchOptions.parseDuration("--d", "1.5m"));
    assertEquals(Duration.ofSeconds(3), BenchOptions.parseDuration("--d", "3"));
    assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parseDuration("--d", "soon"));
    assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parseDuration("--d", "-1s"));
  }

  @Test
  void usageErrorsSayWhatIsWrong() {
    BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class,
        () -> BenchOptions.parse(new String[] {"c1", "warp"}));
    assertTrue(e.getMessage().contains("unknown scenario 'warp'") && e.getMessage().contains("nonstream"), e.getMessage());
    assertTrue(assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--fast"}))
        .getMessage().contains("unknown option '--fast'"));
    assertTrue(assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--duration"}))
        .getMessage().contains("--duration needs a value"));
    assertTrue(assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--repetitions", "0"}))
        .getMessage().contains("at least 1"));
    assertTrue(assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--duration", "0"}))
        .getMessage().contains("more than 0"));
    assertTrue(assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--concurrency", "strm=3"}))
        .getMessage().contains("unknown scenario 'strm'"));
  }

  @Test
  void unknownScenarioExitsWithUsageCodeAndNoProcesses() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code = BenchMain.run(new String[] {"nope"}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
        new java.io.PrintStream(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("unknown scenario 'nope'"), err.toString());
  }

  @Test
  void theContextFitScenarioRunsInProcessWithoutTheGatewayJar(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    com.fasterxml.jackson.databind.JsonNode fit = runInProcess("context-fit", dir).get("summary");
    assertTrue(fit.get("tokens").get("median").asDouble() > 150_000, fit.toString());
    assertTrue(fit.get("keptMessages").get("median").asDouble() < 2_000, "the conversation was cut: " + fit);
    assertTrue(fit.get("appendOneP50Ms").get("median").asDouble() > 0, fit.toString());
  }

  @Test
  void theStoreTurnsScenarioMeasuresTheEmbeddedStoresOwnCpuPerTurnInProcess(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    com.fasterxml.jackson.databind.JsonNode turns = runInProcess("store-turns", dir).get("summary");
    assertEquals(4_000, turns.get("turns").get("median").asDouble(), turns.toString());
    // every turn is an fsynced write: the store's threads did work for each, and the file holds them
    assertTrue(turns.get("storeCpuPerTurnUs").get("median").asDouble() > 1, turns.toString());
    assertTrue(turns.get("turnsPerSecond").get("median").asDouble() > 0, turns.toString());
    assertTrue(turns.get("fileMb").get("median").asDouble() > 0, turns.toString());
  }

  /** Runs an in-process scenario once in quick mode, without the gateway's jar; its report.json figures. */
  private static com.fasterxml.jackson.databind.JsonNode runInProcess(String scenario, Path dir) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code = BenchMain.run(new String[] {scenario, "--quick", "--repetitions", "1", "--out", dir.toString(),
        "--gateway-jar", "/nonexistent.jar"}, new java.io.PrintStream(out), new java.io.PrintStream(out));
    assertEquals(0, code, out.toString());
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("report.json").toFile())
        .get("scenarios").get(0).get("inProcess");
  }

  @Test
  void theRoutingScenarioRunsInProcessWithoutTheGatewayJar(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code = BenchMain.run(new String[] {"routing", "--quick", "--repetitions", "1", "--out", dir.toString(),
        "--gateway-jar", "/nonexistent.jar"}, new java.io.PrintStream(out), new java.io.PrintStream(out));
    assertEquals(0, code, out.toString());
    String md = java.nio.file.Files.readString(dir.resolve("report.md"));
    assertTrue(md.contains("## In-process measurements") && md.contains("| routing | selectionP50Us |"), md);
    com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(dir.resolve("report.json").toFile());
    com.fasterxml.jackson.databind.JsonNode routing = j.get("scenarios").get(0).get("inProcess");
    assertEquals(20_000, routing.get("summary").get("calls").get("median").asDouble());
    assertTrue(routing.get("summary").get("selectionP99Us").get("median").asDouble() > 0);
    assertEquals("selectionP99Us", routing.get("targets").get(0).get("figure").asText(), "the issue's budget is checked");
    assertEquals(50.0, routing.get("targets").get(0).get("threshold").asDouble());
    assertTrue(md.contains("| <= 50 us: "), md);
  }
}
