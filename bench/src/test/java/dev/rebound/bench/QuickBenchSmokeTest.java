package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness end to end, as CI runs it: quick mode on a tiny selection against real mock-llm and gateway processes
 * started from gateway/target/rebound.jar. The reactor builds bench after gateway, so under {@code mvn verify} the jar
 * is already packaged; if it is missing this test fails (it does not skip). It checks that the reports are written and
 * hold the scenarios, never how fast anything was.
 */
class QuickBenchSmokeTest {
  static final Path GATEWAY_JAR = Path.of("..", "gateway", "target", "rebound.jar").toAbsolutePath().normalize();

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void quickModeRunsC1AndAStreamEndToEndAndWritesBothReports(@TempDir Path out) throws Exception {
    assertTrue(Files.isRegularFile(GATEWAY_JAR), "the gateway jar is missing: " + GATEWAY_JAR
        + ". This test runs the real gateway; build it first: `mvn -DskipTests package` at the repository root "
        + "(`mvn verify` packages gateway before it tests bench).");

    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8);
    int code = BenchMain.run(new String[] {"c1", "stream", "large-context", "--quick", "--duration", "1s", "--warmup", "300ms", "--process-warmup", "1s",
        "--repetitions", "1", "--concurrency", "stream=2", "--out", out.toString(),
        "--gateway-jar", GATEWAY_JAR.toString()}, ps, ps);
    String log = console.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, log);

    String md = Files.readString(out.resolve("report.md"));
    for (String s : new String[] {"c1/openai", "c1/anthropic", "stream/openai", "stream/anthropic", "latency p50",
        "TTFT p50", "large-context/openai"}) {
      assertTrue(md.contains(s), "report.md lacks '" + s + "':\n" + md);
    }

    JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    JsonNode scenarios = json.get("scenarios");
    assertEquals("c1", scenarios.get(0).get("name").asText());
    assertEquals("stream", scenarios.get(1).get("name").asText());
    assertEquals("large-context", scenarios.get(2).get("name").asText());
    for (int s = 0; s < 3; s++) {
      for (JsonNode w : scenarios.get(s).get("workloads")) {
        for (String target : new String[] {"direct", "gateway"}) {
          JsonNode rep = w.get(target).get("repetitions").get(0);
          assertTrue(rep.get("ok").asLong() > 0, w.get("name").asText() + " " + target + " had no successful request:\n" + log);
        }
        assertTrue(w.get("gatewayVsDirect").has("throughputRatio"), w.toString());
      }
    }
    JsonNode streamGateway = scenarios.get(1).get("workloads").get(0).get("gateway").get("repetitions").get(0);
    assertTrue(streamGateway.get("completeStreams").asLong() > 0, streamGateway.toString());
    assertTrue(streamGateway.get("metrics").has("ttftP50Us"), streamGateway.toString());
    assertTrue(Files.exists(out.resolve("processes/gateway.yaml")));
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void peersAndABaselineBuildRunNextToTheGatewayInOneRunAndTranslatedRunsNextToPassThrough(@TempDir Path out)
      throws Exception {
    assertTrue(Files.isRegularFile(GATEWAY_JAR), "the gateway jar is missing: " + GATEWAY_JAR);
    // nginx where it is installed (apt-get install nginx-light); the reference proxy always
    boolean nginx = Topology.onPath("nginx") != null;
    String peers = nginx ? "reference-proxy,nginx" : "reference-proxy";
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8);
    int code = BenchMain.run(new String[] {"c1", "translated", "--peers", peers, "--quick", "--duration", "1s",
        "--warmup", "300ms", "--process-warmup", "1s", "--repetitions", "1", "--concurrency", "translated=2",
        "--out", out.toString(), "--gateway-jar", GATEWAY_JAR.toString(),
        // the same build as its own baseline: a second gateway process beside the first, under the same load
        "--baseline-jar", GATEWAY_JAR.toString()}, ps, ps);
    String log = console.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, log);

    String md = Files.readString(out.resolve("report.md"));
    assertTrue(md.contains("## Side by side"), md);
    assertTrue(md.contains("| c1 | figure | gateway | reference-proxy" + (nginx ? " | nginx" : "") + " | baseline |"), md);
    assertTrue(md.contains("| translated | figure | gateway | gateway-translated |"), md);
    JsonNode scenarios = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("scenarios");
    for (JsonNode scenario : scenarios) {
      for (JsonNode w : scenario.get("workloads")) {
        assertTrue(w.get("gateway").get("repetitions").get(0).get("ok").asLong() > 0, w.get("name") + ":\n" + log);
        for (JsonNode side : w.get("otherSides")) {
          JsonNode rep = side.get("repetitions").get(0);
          assertTrue(rep.get("ok").asLong() > 0, w.get("name") + " " + side.get("name") + ":\n" + log);
          assertTrue(rep.get("metrics").has("gatewayCpuUsPerRequest"), side.toString());
          assertTrue(side.has("cpuPerRequestVsGatewayRatio"), side.toString());
        }
      }
    }
    assertEquals(nginx ? 3 : 2, scenarios.get(0).get("workloads").get(0).get("otherSides").size());
    assertTrue(Files.readString(out.resolve("processes/baseline.yaml")).contains("baseline-data"));
    assertTrue(Files.readString(out.resolve("processes/reference-proxy.log")).contains("Reference proxy listening"));
    if (nginx) {
      assertTrue(Files.readString(out.resolve("processes/nginx.conf")).contains("worker_processes 1;"));
      assertTrue(!Files.exists(out.resolve("processes/nginx.pid")), "nginx was stopped and removed its pid file");
    }
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void aBaselineBuildRunsItsOwnSessionsGatewayBesideTheSessionsScenariosOne(@TempDir Path out) throws Exception {
    assertTrue(Files.isRegularFile(GATEWAY_JAR), "the gateway jar is missing: " + GATEWAY_JAR);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8);
    int code = BenchMain.run(new String[] {"sessions-embedded", "--quick", "--duration", "1s", "--warmup", "300ms",
        "--process-warmup", "1s", "--repetitions", "1", "--concurrency", "4", "--out", out.toString(),
        "--gateway-jar", GATEWAY_JAR.toString(), "--baseline-jar", GATEWAY_JAR.toString()}, ps, ps);
    String log = console.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, log);

    JsonNode w = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("scenarios").get(0)
        .get("workloads").get(0);
    JsonNode gateway = w.get("gateway").get("repetitions").get(0);
    long turns = gateway.get("ok").asLong();
    assertTrue(turns > 0, log);
    assertEquals(turns, gateway.get("gatewaySessionEvents").get("checkpoint").asLong(), "every turn checkpointed");
    java.util.List<String> names = new java.util.ArrayList<>();
    for (JsonNode side : w.get("otherSides")) {
      names.add(side.get("name").asText());
      JsonNode rep = side.get("repetitions").get(0);
      assertTrue(rep.get("ok").asLong() > 0, side.get("name") + ":\n" + log);
      assertTrue(rep.get("errors").isEmpty(), side.get("name") + " " + rep.get("errors"));
      JsonNode events = rep.get("gatewaySessionEvents");
      long checkpoints = events.has("checkpoint") ? events.get("checkpoint").asLong() : 0;
      // the baseline's sessions-on side binds every turn on its own gateway; the sessions-off sides bind none
      assertEquals(side.get("name").asText().equals("baseline") ? rep.get("ok").asLong() : 0, checkpoints,
          side.get("name") + " " + events);
    }
    assertEquals(java.util.List.of("gateway-sessions-off", "baseline", "baseline-sessions-off"), names);
    // the baseline's sessions-off side is set against the baseline's own sessions-on side, as the gateway's is
    JsonNode baselineOn = w.get("otherSides").get(1).get("repetitions").get(0).get("metrics").get("throughput");
    JsonNode baselineOff = w.get("otherSides").get(2);
    assertEquals(baselineOn.asDouble() / baselineOff.get("repetitions").get(0).get("metrics").get("throughput").asDouble(),
        baselineOff.get("gatewayThroughputOverSideRatio").get("median").asDouble(), 0.002, baselineOff.toString());
    assertTrue(Files.readString(out.resolve("processes/baseline-sessions-embedded.yaml")).contains("type: embedded"));
    assertTrue(Files.readString(out.resolve("report.md")).contains("| sessions-embedded/openai | gateway throughput / "
        + "this side's | 1x |"), "the side by side table");
  }
}
