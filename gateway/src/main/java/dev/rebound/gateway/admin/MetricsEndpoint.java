package dev.rebound.gateway.admin;

import dev.rebound.gateway.events.DecisionCounter;
import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.store.BufferedCheckpointStore;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** GET /metrics in the Prometheus text format: decisions by type, store health, client connections, breakers, load. */
public final class MetricsEndpoint implements Handler<RoutingContext> {
  private final DecisionCounter decisions;
  private final Supplier<BufferedCheckpointStore> store;
  private final HealthBoard health;
  private final LiveAgentHealth load;
  private final RouteTable routes;
  private final IntSupplier clientConnections;
  private final LongSupplier refusedConnections;

  /**
   * @param clientConnections client connections open now
   * @param refusedConnections client connections closed at once because server.maxConnections were open
   */
  public MetricsEndpoint(DecisionCounter decisions, Supplier<BufferedCheckpointStore> store, HealthBoard health,
      LiveAgentHealth load, RouteTable routes, IntSupplier clientConnections, LongSupplier refusedConnections) {
    this.decisions = decisions;
    this.store = store;
    this.health = health;
    this.load = load;
    this.routes = routes;
    this.clientConnections = clientConnections;
    this.refusedConnections = refusedConnections;
  }

  @Override
  public void handle(RoutingContext ctx) {
    StringBuilder out = new StringBuilder();
    help(out, "rebound_decisions_total", "counter", "Decisions made, by type (route, wait, fallback, breaker, checkpoint, give-up...).");
    decisions.counts().forEach((type, n) -> out.append("rebound_decisions_total{type=\"").append(type).append("\"} ").append(n).append('\n'));
    BufferedCheckpointStore s = store.get();
    if (s != null) {
      help(out, "rebound_store_degraded", "gauge", "1 while the session store is unreachable and writes are queued.");
      out.append("rebound_store_degraded ").append(s.degraded() ? 1 : 0).append('\n');
      help(out, "rebound_store_queued_writes", "gauge", "Session writes waiting for the store.");
      out.append("rebound_store_queued_writes ").append(s.queued()).append('\n');
      help(out, "rebound_store_dropped_writes_total", "counter", "Session writes dropped because the queue was full.");
      out.append("rebound_store_dropped_writes_total ").append(s.dropped()).append('\n');
    }
    help(out, "rebound_client_connections", "gauge", "Client connections open now.");
    out.append("rebound_client_connections ").append(clientConnections.getAsInt()).append('\n');
    help(out, "rebound_client_connections_refused_total", "counter",
        "Client connections closed as soon as accepted because server.maxConnections were open.");
    out.append("rebound_client_connections_refused_total ").append(refusedConnections.getAsLong()).append('\n');
    help(out, "rebound_backend_breaker_state", "gauge", "Breaker per backend: 0 closed, 1 half-open, 2 open.");
    health.all().forEach((name, h) -> {
      BackendHealth.State st = h.state();
      int v = st == BackendHealth.State.CLOSED ? 0 : st == BackendHealth.State.HALF_OPEN ? 1 : 2;
      out.append("rebound_backend_breaker_state{backend=\"").append(name).append("\"} ").append(v).append('\n');
    });
    help(out, "rebound_backend_cooling", "gauge", "1 while a backend is cooling down after a rate limit.");
    health.all().forEach((name, h) -> out.append("rebound_backend_cooling{backend=\"").append(name).append("\"} ")
        .append(h.coolingUntil() == null ? 0 : 1).append('\n'));
    help(out, "rebound_backend_ratelimit_remaining", "gauge",
        "What the backend last said is left of a rate limit, per model and limit (requests, tokens, ...).");
    budgetGauge(out, "rebound_backend_ratelimit_remaining", RateBudget.Limit::remaining);
    help(out, "rebound_backend_ratelimit_limit", "gauge", "The size of that rate limit, as the backend last said.");
    budgetGauge(out, "rebound_backend_ratelimit_limit", RateBudget.Limit::limit);
    help(out, "rebound_agent_in_flight", "gauge", "Requests in flight per agent.");
    routes.current().agents().forEach(a -> out.append("rebound_agent_in_flight{agent=\"").append(a.name()).append("\"} ")
        .append(load.inFlight(a)).append('\n'));
    ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(out.toString());
  }

  /** One line per backend, model and limit that states {@code value}. */
  private void budgetGauge(StringBuilder out, String metric, Function<RateBudget.Limit, Long> value) {
    health.all().forEach((name, h) -> h.budgets().forEach((model, budget) -> budget.limits().forEach(l -> {
      Long v = value.apply(l);
      if (v != null) out.append(metric).append("{backend=\"").append(name).append("\",model=\"").append(label(model))
          .append("\",limit=\"").append(label(l.name())).append("\"} ").append(v).append('\n');
    })));
  }

  /** A label value in the text format's escaping (names from headers could hold anything). */
  private static String label(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static void help(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }
}
