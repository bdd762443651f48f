package dev.rebound.gateway.config;

import java.time.Duration;
import java.util.Map;

/**
 * Tracing with OpenTelemetry: off unless {@code otlp} is set. When on, each model request is a server span, each
 * upstream attempt its child, and the request's decisions (waits, retries, fallbacks, failures) span events.
 *
 * @param otlp where spans are exported; null: tracing is off
 */
public record TracingConfig(Otlp otlp) {
  public static final TracingConfig OFF = new TracingConfig(null);

  public boolean enabled() {
    return otlp != null;
  }

  /**
   * The OTLP/HTTP exporter (protobuf over HTTP, as collectors take it on port 4318).
   *
   * @param endpoint    the collector's traces URL (a base URL from config gets /v1/traces appended)
   * @param serviceName the service.name the spans are reported under
   * @param sampleRatio share of traces started here that are kept (0 to 1); a client's traceparent decides for its own
   * @param headers     sent with every export (a collector's API key)
   * @param timeout     how long one export may take
   */
  public record Otlp(String endpoint, String serviceName, double sampleRatio, Map<String, String> headers, Duration timeout) {
    public static final String DEFAULT_SERVICE_NAME = "rebound";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final String TRACES_PATH = "/v1/traces";

    public Otlp {
      headers = Map.copyOf(headers);
    }

    /** The headers' values may be credentials: never printed. */
    @Override
    public String toString() {
      return "Otlp[endpoint=" + endpoint + ", serviceName=" + serviceName + ", sampleRatio=" + sampleRatio
          + ", headers=" + headers.keySet() + ", timeout=" + timeout + "]";
    }
  }
}
