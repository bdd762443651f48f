package dev.rebound.gateway.admin;

import dev.rebound.gateway.metrics.StateGauges;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * GET /metrics in the Prometheus text format: everything in the gateway's registry (its own meters, and with a Vert.x
 * built to report into it, the HTTP server and client, JVM and process meters).
 */
public final class MetricsEndpoint implements Handler<RoutingContext> {
  private final PrometheusMeterRegistry registry;
  private final StateGauges state;

  public MetricsEndpoint(PrometheusMeterRegistry registry, StateGauges state) {
    this.registry = registry;
    this.state = state;
  }

  @Override
  public void handle(RoutingContext ctx) {
    state.refresh();
    ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
  }
}
