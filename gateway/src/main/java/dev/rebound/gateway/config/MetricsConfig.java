package dev.rebound.gateway.config;

/**
 * What /metrics reports beyond the gateway's own meters.
 *
 * @param httpMeters Vert.x's own HTTP meters ({@code vertx_http_server_*}, {@code vertx_http_client_*}): per request a
 *     handful of timers and counters looked up by tag. They cost about a fifth of the gateway's CPU per plain request
 *     (77 against 62 us, measured), and the gateway's own meters already count requests, attempts and latencies, so
 *     they are off unless asked for.
 */
public record MetricsConfig(boolean httpMeters) {
  public static final MetricsConfig DEFAULTS = new MetricsConfig(false);
}
