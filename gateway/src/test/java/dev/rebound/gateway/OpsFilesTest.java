package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rebound.gateway.testing.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus rules shipped under ops/ parse, have what an operator looks for, and use
 * only metrics a running gateway exports (scraped after an answer, a retry, a fallback, a give-up and streams).
 */
class OpsFilesTest {
  static final Path OPS = Path.of("..", "ops");
  /** Metric names in a PromQL expression: the gateway's own, Vert.x's, the JVM's and the process's. */
  static final Pattern METRIC = Pattern.compile("\\b((?:rebound|vertx|jvm|process|system)_[a-z0-9_]+)\\b");
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static GatewayHarness h;
  static Set<String> exported;

  @BeforeAll
  static void scrapeAfterTraffic() throws Exception {
    h = GatewayHarness.start(RecoveryTest.CONFIG);
    exported = MetricsTest.traffic(h).names();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static Set<String> metricsIn(List<String> expressions) {
    Set<String> names = new TreeSet<>();
    for (String e : expressions) {
      Matcher m = METRIC.matcher(e);
      while (m.find()) names.add(m.group(1));
    }
    return names;
  }

  static void assertExported(Set<String> used, String where) {
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(exported);
    assertEquals(Set.of(), missing, where + " uses metrics the gateway does not export");
  }

  @Test
  void theDashboardIsGrafanaJsonWithTheChartsAnOperatorNeedsOnExportedMetrics() throws Exception {
    JsonNode dash = JSON.readTree(Files.readString(OPS.resolve("grafana/rebound-dashboard.json")));
    assertEquals("Rebound", dash.path("title").asText());
    assertTrue(dash.path("uid").asText().matches("[a-z0-9-]{1,40}"), "a stable uid for links and provisioning");
    List<String> titles = new ArrayList<>();
    List<String> expressions = new ArrayList<>();
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode panel : dash.path("panels")) {
      titles.add(panel.path("title").asText());
      assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique: " + panel.path("id"));
      for (JsonNode t : panel.path("targets")) {
        assertEquals("${datasource}", t.path("datasource").path("uid").asText(), "panels use the data source variable");
        expressions.add(t.path("expr").asText());
      }
    }
    assertTrue(titles.containsAll(List.of("Requests/s", "Error rate by kind", "Recovery success",
        "p95 latency and time to first token", "Tokens/min by agent and type", "Breaker state by backend")), titles.toString());
    Set<String> used = metricsIn(expressions);
    assertTrue(used.containsAll(List.of("rebound_requests_total", "rebound_recoveries_total",
        "rebound_request_duration_seconds_bucket", "rebound_time_to_first_token_seconds_bucket", "rebound_tokens_total",
        "rebound_backend_breaker_state")), used.toString());
    assertExported(used, "the dashboard");
  }

  @Test
  void theAlertRulesAreYamlCoveringErrorsBreakersTheStoreAndRecoveryOnExportedMetrics() throws Exception {
    JsonNode rules = YAML.readTree(Files.readString(OPS.resolve("prometheus/alerts.yml")));
    List<String> alerts = new ArrayList<>();
    List<String> expressions = new ArrayList<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name = rule.path("alert").asText();
        alerts.add(name);
        assertFalse(rule.path("expr").asText().isBlank(), name + " has an expression");
        assertFalse(rule.path("labels").path("severity").asText().isBlank(), name + " has a severity");
        assertFalse(rule.path("annotations").path("summary").asText().isBlank(), name + " says what is wrong");
        expressions.add(rule.path("expr").asText());
      }
    }
    assertTrue(alerts.containsAll(List.of("ReboundErrorRateHigh", "ReboundBackendBreakerOpen", "ReboundStoreDegraded",
        "ReboundRecoverySuccessLow")), alerts.toString());
    assertTrue(String.join("\n", expressions).contains("< 0.95"), "recovery success below 95 % alerts");
    assertExported(metricsIn(expressions), "the alert rules");

    JsonNode config = YAML.readTree(Files.readString(OPS.resolve("prometheus/prometheus.yml")));
    assertEquals("alerts.yml", config.path("rule_files").path(0).asText());
    assertEquals("/metrics", config.path("scrape_configs").path(0).path("metrics_path").asText());
  }
}
