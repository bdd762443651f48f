package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {
  /** A phase of {@code n} successful requests in 1 s, every latency {@code latencyUs}. */
  static PhaseResult phase(String target, int rep, long n, long latencyUs, long gatewayCpuNanos, Map<String, Long> errors) {
    Histogram lat = Histograms.create();
    lat.recordValueWithCount(latencyUs, n);
    long failed = errors.values().stream().mapToLong(Long::longValue).sum();
    return new PhaseResult(target, "rep " + rep, 1_000_000_000L, n + failed, n, n, 0, 0, errors, Map.of(), Map.of(),
        lat, Histograms.create(), Histograms.create(), new Resources(gatewayCpuNanos, 1, 1, 200 * 1024, 100_000_000, 1_000_000_000L));
  }

  static RunResult run() throws Exception {
    Scenario c1 = Scenarios.select(List.of("c1")).get(0);
    Scenario nonstream = Scenarios.select(List.of("nonstream")).get(0);
    Workload w = c1.workloads().get(0);
    WorkloadResult c1r = new WorkloadResult("c1", w, List.of(),
        List.of(phase("direct", 1, 1000, 400, 0, Map.of()), phase("direct", 2, 1100, 420, 0, Map.of()),
            phase("direct", 3, 1050, 410, 0, Map.of())),
        List.of(phase("gateway", 1, 900, 500, 45_000_000, Map.of()), phase("gateway", 2, 950, 510, 45_000_000, Map.of()),
            phase("gateway", 3, 990, 505, 45_000_000, Map.of("http-503", 2L))),
        c1.budgets());
    Workload nw = nonstream.workloads().get(0);
    WorkloadResult nsr = new WorkloadResult("nonstream", nw, List.of(),
        List.of(phase("direct", 1, 10_000, 3000, 0, Map.of())),
        List.of(phase("gateway", 1, 7_000, 4500, 700_000_000, Map.of())),
        nonstream.budgets());
    Scenario routing = new Scenario("future", "a scenario whose feature is not built", List.of(), List.of(),
        "context counting and truncation");
    return new RunResult(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:01:00Z"),
        BenchOptions.parse(new String[] {"--quick"}), new LinkedHashMap<>(Map.of("cores", 2)),
        List.of(new RunResult.ScenarioOutcome(c1, List.of(c1r), null),
            new RunResult.ScenarioOutcome(nonstream, List.of(nsr), null),
            RunResult.ScenarioOutcome.skipped(routing, routing.unavailableReason())));
  }

  @Test
  void workloadSummariesAndPairwiseComparisons() throws Exception {
    WorkloadResult c1 = run().scenarios().get(0).workloads().get(0);
    assertEquals(1050, c1.direct(Metric.THROUGHPUT).median(), 1e-9);
    assertEquals(950, c1.gateway(Metric.THROUGHPUT).median(), 1e-9);
    // pairs: 900/1000, 950/1100, 990/1050
    assertEquals(0.9, c1.comparison(Metric.THROUGHPUT).median(), 1e-3);
    assertEquals(950.0 / 1100, c1.comparison(Metric.THROUGHPUT).min(), 1e-9);
    // added p50: 100, 90, 95 (within the histogram's 3 significant digits)
    assertEquals(95, c1.comparison(Metric.P50).median(), 1.0);
    assertEquals(90, c1.comparison(Metric.P50).min(), 1.0);
    // 45 ms of gateway CPU over 900..992 requests
    assertEquals(45_000.0 / 950, c1.gateway(Metric.GATEWAY_CPU).median(), 1e-6);
    assertEquals(99.8, c1.gateway(Metric.SUCCESS).min(), 0.01);
  }

  @Test
  void markdownHasOneRowPerWorkloadMetricWithBudgetsAndSkippedScenarios() throws Exception {
    String md = Report.markdown(run());
    assertTrue(md.contains("| workload | metric | A direct | B gateway | B vs A | spread A | spread B | budget | met |"), md);
    assertTrue(md.contains("| c1/openai | throughput | 1,050/s | 950/s | 0.90x (0.86x .. 0.94x) |"), md);
    assertTrue(md.contains("| c1/openai | latency p50 |"), md);
    assertTrue(md.contains("<= +120 us | met |"), md);
    // nonstream: 0.70x < 0.80x, and 100 us of CPU per request > 60 us
    assertTrue(md.contains("| nonstream/openai throughput B/A | >= 0.80x | 0.70x | **MISSED** by 0.10x |"), md);
    assertTrue(md.contains("| nonstream/openai gateway CPU per request | <= 60 us | 100 us | **MISSED** by 40 us |"), md);
    assertFalse(md.contains("TTFT"), "no stream workload, no TTFT rows");
    assertTrue(md.contains("B errors http-503 x2 of 2842 requests"), md);
    assertTrue(md.contains("## Not run") && md.contains("**future**") && md.contains("not available yet: needs context"), md);
  }

  @Test
  void jsonHasEveryFigureTheRatiosAndTheBudgets() throws Exception {
    JsonNode j = new ObjectMapper().readTree(Report.json(run()));
    assertEquals(3, j.get("scenarios").size());
    JsonNode c1 = j.get("scenarios").get(0).get("workloads").get(0);
    assertEquals("c1/openai", c1.get("name").asText());
    assertEquals(3, c1.get("direct").get("repetitions").size());
    assertEquals(1050, c1.get("direct").get("summary").get("throughput").get("median").asDouble(), 1e-9);
    assertEquals(0.9, c1.get("gatewayVsDirect").get("throughputRatio").get("median").asDouble(), 1e-3);
    assertTrue(c1.get("gatewayVsDirect").has("p50UsAdded"));
    assertEquals(3150, c1.get("direct").get("mergedLatency").get("count").asLong());
    assertEquals(2, c1.get("gateway").get("errors").get("http-503").asLong());
    JsonNode budget = j.get("budgets").get(1);
    assertEquals("nonstream/openai", budget.get("workload").asText());
    assertFalse(budget.get("met").asBoolean());
    assertEquals("not available yet: needs context counting and truncation",
        j.get("scenarios").get(2).get("skipped").asText());
    assertTrue(j.get("options").get("quick").asBoolean());
  }

  @Test
  void sessionsScenariosShowTheStoreCpuTheGatewaysCheckpointsAndAFailureToRun() throws Exception {
    Scenario redis = Scenarios.select(List.of("sessions-redis")).get(0);
    Scenario embedded = Scenarios.select(List.of("sessions-embedded")).get(0);
    Workload w = redis.workloads().get(0);
    Histogram lat = Histograms.create();
    lat.recordValueWithCount(5000, 1000);
    PhaseResult b = new PhaseResult("gateway", "rep 1", 1_000_000_000L, 1000, 1000, 1000, 0, 0, Map.of(), Map.of(),
        Map.of(), lat, Histograms.create(), Histograms.create(),
        new Resources(200_000_000, 1, 1, 300 * 1024, 0, 1_000_000_000L, 160_000_000))
        .withSessionEvents(Map.of("checkpoint", 2000L, "route", 1000L));
    WorkloadResult r = new WorkloadResult("sessions-redis", w, List.of(),
        List.of(phase("direct", 1, 5000, 1000, 0, Map.of())), List.of(b), redis.budgets());
    RunResult run = new RunResult(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:01:00Z"),
        BenchOptions.parse(new String[] {"--quick"}), new LinkedHashMap<>(Map.of("cores", 2)),
        List.of(new RunResult.ScenarioOutcome(redis, List.of(r), null, null, "gateway-sessions-redis: redis-server"),
            RunResult.ScenarioOutcome.failed(embedded, "no disk")));
    String md = Report.markdown(run);
    assertTrue(md.contains("| sessions-redis/openai throughput B/A | >= 0.60x | 0.20x | **MISSED** by 0.40x |"), md);
    assertTrue(md.contains("| sessions-redis/openai | Redis CPU per request | — | 160 us |"), md);
    assertTrue(md.contains("checkpoint x2000, route x1000 for 1000 successful requests"), md);
    assertTrue(md.contains("  - B: gateway-sessions-redis: redis-server"), md);
    assertTrue(md.contains("**sessions-embedded**") && md.contains("could not run: no disk"), md);
    assertEquals(List.of("sessions-embedded"), run.failed().stream().map(o -> o.scenario().name()).toList());
    JsonNode j = new ObjectMapper().readTree(Report.json(run));
    JsonNode rep = j.get("scenarios").get(0).get("workloads").get(0).get("gateway").get("repetitions").get(0);
    assertEquals(160.0, rep.get("resources").get("storeCpuMs").asDouble(), 1e-9);
    assertEquals(2000, rep.get("gatewaySessionEvents").get("checkpoint").asLong());
    assertTrue(j.get("scenarios").get(1).get("failed").asBoolean());
    assertFalse(md.contains("Budgets (sessions off)"));
  }

  @Test
  void sidesPairWithTheSameDirectRepetitionAndShowSideBySide() throws Exception {
    Scenario nonstream = Scenarios.select(List.of("nonstream")).get(0);
    Workload w = nonstream.workloads().get(0);
    Map<String, List<PhaseResult>> sides = new LinkedHashMap<>();
    // direct 10,000/s both reps; gateway 6,000 and 7,000/s at 60 us; nginx 8,000/s at 30 and 21 us
    sides.put("gateway", List.of(phase("gateway", 1, 6_000, 4500, 360_000_000, Map.of()),
        phase("gateway", 2, 7_000, 4000, 420_000_000, Map.of())));
    sides.put("nginx", List.of(phase("nginx", 1, 8_000, 3500, 240_000_000, Map.of()),
        phase("nginx", 2, 8_000, 3600, 168_000_000, Map.of("connection", 1L))));
    WorkloadResult r = new WorkloadResult("nonstream", w, List.of(),
        List.of(phase("direct", 1, 10_000, 3000, 0, Map.of()), phase("direct", 2, 10_000, 3000, 0, Map.of())),
        sides, nonstream.budgets());
    assertEquals(List.of("gateway", "nginx"), r.sides().stream().map(WorkloadResult.Side::name).toList());
    assertEquals(0.65, r.comparison(Metric.THROUGHPUT).median(), 1e-9, "budgets and B columns read the gateway");
    WorkloadResult.Side nginx = r.sides().get(1);
    assertEquals(0.8, nginx.vsDirect(Metric.THROUGHPUT).median(), 1e-9);
    // nginx CPU per request 30 and 21 us (plus the failed request) over the gateway's 60 us in the same repetition
    assertEquals(0.5, nginx.cpuVsGateway().max(), 1e-9);
    assertEquals(168_000.0 / 8001 / 60, nginx.cpuVsGateway().min(), 1e-9);

    RunResult run = new RunResult(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:01:00Z"),
        BenchOptions.parse(new String[] {"--quick", "--peers", "nginx"}), new LinkedHashMap<>(Map.of("cores", 2)),
        List.of(new RunResult.ScenarioOutcome(nonstream, List.of(r), null)));
    String md = Report.markdown(run);
    assertTrue(md.contains("## Side by side"), md);
    assertTrue(md.contains("| nonstream | figure | gateway | nginx |\n|---|---|---:|---:|\n"), md);
    assertTrue(md.contains("| nonstream/openai | throughput vs direct | 0.65x (0.60x .. 0.70x) | 0.80x |"), md);
    assertTrue(md.contains("| nonstream/openai | gateway throughput / this side's | 1x | 0.81x (0.75x .. 0.88x) |"), md);
    assertFalse(md.contains("Redis CPU per request"), "no store, no store row");
    assertTrue(md.contains("| nonstream/openai | CPU per request | 60 us | 25 us (21 us .. 30 us) |"), md);
    assertTrue(md.contains("| nonstream/openai | CPU per request vs gateway | 1x | 0.42x (0.35x .. 0.50x) |"), md);
    assertTrue(md.contains("nginx errors connection x1 of 16001 requests"), md);
    assertFalse(md.contains("TTFT p50 added"), "non-stream: no TTFT row");
    JsonNode j = new ObjectMapper().readTree(Report.json(run)).get("scenarios").get(0).get("workloads").get(0);
    assertEquals(0.65, j.get("gatewayVsDirect").get("throughputRatio").get("median").asDouble(), 1e-9);
    JsonNode other = j.get("otherSides").get(0);
    assertEquals("nginx", other.get("name").asText());
    assertEquals(0.8, other.get("vsDirect").get("throughputRatio").get("median").asDouble(), 1e-9);
    assertEquals(0.5, other.get("cpuPerRequestVsGatewayRatio").get("max").asDouble(), 1e-3);
    assertEquals(2, other.get("repetitions").size());
  }

  @Test
  void sessionsOnAndOffSideBySideWithTheThroughputRatioPerPairAndTheStoreCpu() throws Exception {
    Scenario redis = Scenarios.select(List.of("sessions-redis")).get(0);
    Workload w = redis.workloads().get(0);
    // direct 10,000/s; sessions on 2,000 and 2,500/s at 300 us; off 5,000/s both reps at 60 us; Redis 150 us on, 0 off
    java.util.function.BiFunction<String, long[], PhaseResult> side = (target, x) -> {
      Histogram lat = Histograms.create();
      lat.recordValueWithCount(x[1], x[0]);
      return new PhaseResult(target, "rep " + x[3], 1_000_000_000L, x[0], x[0], x[0], 0, 0, Map.of(), Map.of(),
          Map.of(), lat, Histograms.create(), Histograms.create(),
          new Resources(x[2], 1, 1, 300 * 1024, 0, 1_000_000_000L, x[4]));
    };
    Map<String, List<PhaseResult>> sides = new LinkedHashMap<>();
    sides.put(Runner.GATEWAY, List.of(
        side.apply(Runner.GATEWAY, new long[] {2_000, 16_000, 600_000_000, 1, 300_000_000})
            .withSessionEvents(Map.of("checkpoint", 4000L, "route", 2000L)),
        side.apply(Runner.GATEWAY, new long[] {2_500, 13_000, 750_000_000, 2, 375_000_000})
            .withSessionEvents(Map.of("checkpoint", 5000L, "route", 2500L))));
    sides.put(Runner.GATEWAY_SESSIONS_OFF, List.of(
        side.apply(Runner.GATEWAY_SESSIONS_OFF, new long[] {5_000, 6_000, 300_000_000, 1, 0})
            .withSessionEvents(Map.of("route", 5000L)),
        side.apply(Runner.GATEWAY_SESSIONS_OFF, new long[] {5_000, 6_000, 300_000_000, 2, 0})
            .withSessionEvents(Map.of("route", 5000L))));
    WorkloadResult r = new WorkloadResult("sessions-redis", w, List.of(),
        List.of(phase("direct", 1, 10_000, 3000, 0, Map.of()), phase("direct", 2, 10_000, 3000, 0, Map.of())),
        sides, redis.budgets());
    WorkloadResult.Side off = r.sides().get(1);
    assertEquals(Runner.GATEWAY_SESSIONS_OFF, off.name());
    assertEquals(0.45, off.gatewayThroughputOverSide().median(), 1e-9, "sessions on over off: 0.40 and 0.50");
    assertEquals(0.2, off.cpuVsGateway().median(), 1e-9, "60 us against 300 us");
    assertEquals(0.225, r.comparison(Metric.THROUGHPUT).median(), 1e-9, "the budget still reads sessions on");

    RunResult run = new RunResult(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:01:00Z"),
        BenchOptions.parse(new String[] {"--quick"}), new LinkedHashMap<>(Map.of("cores", 2)),
        List.of(new RunResult.ScenarioOutcome(redis, List.of(r), null, null, "gateway-sessions-redis: redis-server")));
    String md = Report.markdown(run);
    assertTrue(md.contains("| sessions-redis | figure | gateway | gateway-sessions-off |\n|---|---|---:|---:|\n"), md);
    assertTrue(md.contains("| sessions-redis/openai | throughput vs direct | 0.23x (0.20x .. 0.25x) | 0.50x |"), md);
    assertTrue(md.contains("| sessions-redis/openai | gateway throughput / this side's | 1x | 0.45x (0.40x .. 0.50x) |"), md);
    assertTrue(md.contains("| sessions-redis/openai | CPU per request | 300 us | 60 us |"), md);
    assertTrue(md.contains("| sessions-redis/openai | CPU per request vs gateway | 1x | 0.20x |"), md);
    assertTrue(md.contains("| sessions-redis/openai | Redis CPU per request | 150 us | 0 us |"), md);
    assertTrue(md.contains("gateway decisions over the gateway-sessions-off phases route x10000 for 10000 successful "
        + "requests (no session id: no checkpoint expected)"), md);
    assertTrue(md.contains("session-header-unexpected"), md);
    JsonNode other = new ObjectMapper().readTree(Report.json(run)).get("scenarios").get(0).get("workloads").get(0)
        .get("otherSides").get(0);
    assertEquals(Runner.GATEWAY_SESSIONS_OFF, other.get("name").asText());
    assertEquals(0.45, other.get("gatewayThroughputOverSideRatio").get("median").asDouble(), 1e-9);
    assertEquals(0.2, other.get("cpuPerRequestVsGatewayRatio").get("median").asDouble(), 1e-9);
  }

  @Test
  void aRunOfOneSideHasNoSideBySideSection() throws Exception {
    assertFalse(Report.markdown(run()).contains("Side by side"));
    assertFalse(new ObjectMapper().readTree(Report.json(run())).get("scenarios").get(0).get("workloads").get(0)
        .has("otherSides"));
  }

  @Test
  void figuresAreWrittenReadably() {
    assertEquals("95 us", Format.micros(95.2));
    assertEquals("1.50 ms", Format.micros(1500));
    assertEquals("250.0 ms", Format.micros(250_000));
    assertEquals("1.20 s", Format.micros(1_200_000));
    assertEquals("+95 us", Format.added(Metric.P50, 95));
    assertEquals("-12 us", Format.added(Metric.P50, -12));
    assertEquals("+0.5 pt", Format.added(Metric.SUCCESS, 0.5));
    assertEquals("0.85x", Format.ratio(0.8512));
    assertEquals("12,345/s", Format.throughput(12_345.4));
    assertEquals("—", Format.micros(Double.NaN));
    assertEquals(null, Format.round(Double.NaN));
  }
}
