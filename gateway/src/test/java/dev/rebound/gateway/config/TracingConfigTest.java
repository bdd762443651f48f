package dev.rebound.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tracing.otlp: off unless an endpoint is given, read with its defaults, every mistake named by its key path. */
class TracingConfigTest {
  static ReboundConfig load(String tracing, Map<String, String> env) {
    return new ConfigLoader(env).parse(ConfigLoaderTest.MINIMAL + tracing, "t.yaml");
  }

  static List<String> problems(String tracing) {
    return assertThrows(ConfigException.class, () -> load(tracing, Map.of())).problems();
  }

  @Test
  void withoutATracingSectionTracingIsOff() {
    assertFalse(load("", Map.of()).tracing().enabled());
  }

  @Test
  void anEndpointAloneTakesTheDefaultsAndGetsTheTracesPath() {
    TracingConfig.Otlp otlp = load("tracing: { otlp: { endpoint: \"http://collector:4318\" } }\n", Map.of()).tracing().otlp();
    assertEquals("http://collector:4318/v1/traces", otlp.endpoint());
    assertEquals("rebound", otlp.serviceName());
    assertEquals(1.0, otlp.sampleRatio());
    assertEquals(Map.of(), otlp.headers());
    assertEquals(Duration.ofSeconds(10), otlp.timeout());
  }

  @Test
  void everySettingIsReadAndTheEndpointMayComeFromTheStandardVariable() {
    TracingConfig.Otlp otlp = load("""
        tracing:
          otlp:
            endpoint: "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"
            serviceName: gateway-eu
            sampleRatio: 0.25
            headers: { x-api-key: k1 }
            timeout: 3s
        """, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example:4318/")).tracing().otlp();
    assertEquals("https://otel.example:4318/v1/traces", otlp.endpoint());
    assertEquals("gateway-eu", otlp.serviceName());
    assertEquals(0.25, otlp.sampleRatio());
    assertEquals(Map.of("x-api-key", "k1"), otlp.headers());
    assertEquals(Duration.ofSeconds(3), otlp.timeout());
    assertFalse(otlp.toString().contains("k1"), "a collector's key is never printed: " + otlp);
  }

  @Test
  void aTracesUrlIsKeptAsGiven() {
    assertEquals("http://c:4318/v1/traces",
        load("tracing: { otlp: { endpoint: \"http://c:4318/v1/traces\" } }\n", Map.of()).tracing().otlp().endpoint());
  }

  @Test
  void anUnsetEndpointVariableLeavesTracingOff() {
    assertFalse(load("tracing: { otlp: { endpoint: \"${OTEL_EXPORTER_OTLP_ENDPOINT:-}\" } }\n", Map.of()).tracing().enabled());
  }

  @Test
  void rejectsBadSettingsNamingEachKeyPath() {
    List<String> problems = problems("""
        tracing:
          otlp: { endpoint: "grpc://collector:4317", serviceName: " ", sampleRatio: 1.5, timeout: 0s, protocol: grpc }
          jaeger: {}
        """);
    assertEquals(List.of(
        "tracing.jaeger: unknown key (known here: otlp)",
        "tracing.otlp.protocol: unknown key (known here: endpoint, headers, sampleRatio, serviceName, timeout)",
        "tracing.otlp.serviceName: must not be empty",
        "tracing.otlp.sampleRatio: 1.5 is out of range (0.0 to 1.0)",
        "tracing.otlp.timeout: '0s' must be more than 0",
        "tracing.otlp.endpoint: 'grpc://collector:4317' is not an http:// or https:// URL with a host"), problems);
  }

  @Test
  void rejectsAMissingEndpoint() {
    assertTrue(problems("tracing: { otlp: { serviceName: rebound } }\n").contains(
        "tracing.otlp.endpoint: is required (the collector's OTLP/HTTP address, e.g. http://collector:4318)"));
  }
}
