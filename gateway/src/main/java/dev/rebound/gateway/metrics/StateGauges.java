package dev.rebound.gateway.metrics;

import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.recovery.Reachability;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.store.BufferedCheckpointStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Gauges of the gateway's state, read when Prometheus scrapes: the session store, client connections, each backend's
 * breaker, cooldown, reachability and rate-limit budgets, and each agent's requests in flight. Nothing here is touched
 * by requests. Rows whose label sets change (the budgets a backend reported, the agents of reloaded routes) are listed
 * again by {@link #refresh()} before each scrape.
 */
public final class StateGauges {
  private final HealthBoard health;
  private final LiveAgentHealth load;
  private final RouteTable routes;
  private final MultiGauge remaining;
  private final MultiGauge limits;
  private final MultiGauge inFlight;

  public StateGauges(MeterRegistry registry, Supplier<BufferedCheckpointStore> store, HealthBoard health,
      Reachability reachability, LiveAgentHealth load, RouteTable routes, IntSupplier clientConnections,
      LongSupplier refusedConnections) {
    this.health = health;
    this.load = load;
    this.routes = routes;
    Gauge.builder("rebound.store.degraded", () -> storeValue(store, s -> s.degraded() ? 1 : 0))
        .description("1 while the session store is unreachable and writes are queued.").register(registry);
    Gauge.builder("rebound.store.queued.writes", () -> storeValue(store, BufferedCheckpointStore::queued))
        .description("Session writes waiting for the store.").register(registry);
    // a function counter holds its object weakly and its function strongly: these suppliers live nowhere else, so they
    // go in the function and the registry (alive as long as its meters) is the object; else a garbage collection
    // would stop the counter at its last value
    FunctionCounter.builder("rebound.store.dropped.writes", registry, r -> store.get() == null ? 0 : store.get().dropped())
        .description("Session writes dropped because the queue was full.").register(registry);
    Gauge.builder("rebound.client.connections", clientConnections::getAsInt)
        .description("Client connections open now.").register(registry);
    FunctionCounter.builder("rebound.client.connections.refused", registry, r -> refusedConnections.getAsLong())
        .description("Client connections closed as soon as accepted because server.maxConnections were open.")
        .register(registry);
    health.all().forEach((name, h) -> {
      Gauge.builder("rebound.backend.breaker.state", () -> breakerValue(h.state())).tag("backend", name)
          .description("Breaker per backend: 0 closed, 1 half-open, 2 open.").register(registry);
      Gauge.builder("rebound.backend.cooling", () -> h.coolingUntil() == null ? 0 : 1).tag("backend", name)
          .description("1 while a backend is cooling down after a rate limit.").register(registry);
      Gauge.builder("rebound.backend.reachable", () -> reachability.unreachable(name) == null ? 1 : 0).tag("backend", name)
          .description("0 while the backend's last attempt reached nothing (connection refused or timed out).")
          .register(registry);
    });
    remaining = MultiGauge.builder("rebound.backend.ratelimit.remaining")
        .description("What the backend last said is left of a rate limit, per model and limit (requests, tokens, ...).")
        .register(registry);
    limits = MultiGauge.builder("rebound.backend.ratelimit.limit")
        .description("The size of that rate limit, as the backend last said.").register(registry);
    inFlight = MultiGauge.builder("rebound.agent.in.flight").description("Requests in flight per agent.").register(registry);
    refresh();
  }

  /** Lists the rows whose label sets may have changed since the last scrape. */
  public void refresh() {
    remaining.register(budgetRows(RateBudget.Limit::remaining), true);
    limits.register(budgetRows(RateBudget.Limit::limit), true);
    List<MultiGauge.Row<?>> agents = new ArrayList<>();
    for (AgentDefinition a : routes.current().agents()) {
      agents.add(MultiGauge.Row.of(Tags.of("agent", a.name()), () -> load.ownInFlight(a)));
    }
    inFlight.register(agents, true);
  }

  /** One row per backend, model and limit that states {@code value}; the model is the agent's configured one. */
  private List<MultiGauge.Row<?>> budgetRows(Function<RateBudget.Limit, Long> value) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    health.all().forEach((name, h) -> h.budgets().forEach((model, budget) -> budget.limits().forEach(l -> {
      Long v = value.apply(l);
      if (v != null) rows.add(MultiGauge.Row.of(Tags.of("backend", name, "model", model, "limit", l.name()), v));
    })));
    return rows;
  }

  private static int breakerValue(BackendHealth.State st) {
    return st == BackendHealth.State.CLOSED ? 0 : st == BackendHealth.State.HALF_OPEN ? 1 : 2;
  }

  private static Number storeValue(Supplier<BufferedCheckpointStore> store, Function<BufferedCheckpointStore, Number> read) {
    BufferedCheckpointStore s = store.get();
    return s == null ? 0 : read.apply(s);
  }
}
