package dev.rebound.gateway.admin;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.recovery.Reachability;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.RuleSet;
import dev.rebound.store.BufferedCheckpointStore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * GET /ready: whether this gateway can serve. Ready (200) when every route has at least one agent that can serve: its
 * backend's breaker is not open and its last attempt reached it. Not ready (503) otherwise, naming the routes that
 * cannot and why. Degraded (200): it serves, but the session store is unreachable and writes queue. A backend known
 * unreachable is asked for a connection here, so a gateway taken out of a load balancer finds its backend's return
 * without a request.
 */
public final class Readiness implements Handler<RoutingContext> {
  /** How long a readiness check waits for a backend known unreachable to accept a connection. */
  static final int RECHECK_TIMEOUT_MS = 1000;

  private final ReboundConfig config;
  private final Supplier<BufferedCheckpointStore> store;
  private final HealthBoard health;
  private final Reachability reachability;
  private final RouteTable routes;
  private final NetClient net;

  public Readiness(Vertx vertx, ReboundConfig config, Supplier<BufferedCheckpointStore> store, HealthBoard health,
      Reachability reachability, RouteTable routes) {
    this.config = config;
    this.store = store;
    this.health = health;
    this.reachability = reachability;
    this.routes = routes;
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(RECHECK_TIMEOUT_MS));
  }

  @Override
  public void handle(RoutingContext ctx) {
    BufferedCheckpointStore s = store.get();
    Future<Void> ping = s.ping();
    List<Future<?>> checks = new ArrayList<>();
    checks.add(ping);
    for (BackendConfig b : config.backends()) {
      String why = reachability.unreachable(b.name());
      if (why == null) continue;
      checks.add(net.connect(b.port(), b.url().getHost()).onSuccess(socket -> {
        socket.close();
        reachability.reached(b.name(), why);
      }));
    }
    Future.join(checks).onComplete(v -> answer(ctx, s, ping.succeeded()));
  }

  private void answer(RoutingContext ctx, BufferedCheckpointStore s, boolean storeReachable) {
    JsonArray backends = new JsonArray();
    for (BackendConfig b : config.backends()) {
      BackendHealth h = health.of(b.name());
      String unreachable = reachability.unreachable(b.name());
      Instant cooling = h.coolingUntil();
      JsonObject o = new JsonObject().put("name", b.name()).put("reachable", unreachable == null)
          .put("breaker", h.state().name()).put("cooling", cooling != null);
      if (cooling != null) o.put("coolingUntil", cooling.toString());
      if (unreachable != null) o.put("lastError", unreachable);
      backends.add(o);
    }
    RuleSet rules = routes.current();
    Map<String, List<AgentDefinition>> byRoute = rules.routeAgents();
    // with no routes, requests go to the agents by model name: one of them must be able to serve
    if (byRoute.isEmpty()) byRoute = Map.of(RuleSet.DIRECT, rules.agents());
    JsonArray routeList = new JsonArray();
    JsonArray unserved = new JsonArray();
    byRoute.forEach((route, agents) -> {
      JsonArray serving = new JsonArray();
      List<String> why = new ArrayList<>();
      for (AgentDefinition a : agents) {
        String cannot = cannotServe(a);
        if (cannot == null) serving.add(a.name());
        else why.add(a.name() + ": " + cannot);
      }
      JsonObject o = new JsonObject().put("name", route).put("ready", !serving.isEmpty())
          .put("agents", new JsonArray(agents.stream().map(AgentDefinition::name).toList())).put("serving", serving);
      if (serving.isEmpty()) {
        o.put("why", agents.isEmpty() ? "the route has no agents" : String.join("; ", why));
        unserved.add(route);
      }
      routeList.add(o);
    });
    boolean degraded = !storeReachable || s.degraded();
    String status = !unserved.isEmpty() ? "not-ready" : degraded ? "degraded" : "ready";
    ctx.response().setStatusCode(unserved.isEmpty() ? 200 : 503);
    ctx.json(new JsonObject()
        .put("status", status)
        .put("unservedRoutes", unserved)
        .put("store", new JsonObject().put("type", config.store().type())
            .put("reachable", storeReachable).put("queuedWrites", s.queued()).put("droppedWrites", s.dropped()))
        .put("backends", backends)
        .put("routes", routeList));
  }

  /** Why the agent cannot serve now; null when it can (a cooling backend still can: it is tried when nothing else is). */
  private String cannotServe(AgentDefinition a) {
    BackendHealth h = health.of(a.backend());
    String unreachable = reachability.unreachable(a.backend());
    if (unreachable != null) return "backend '" + a.backend() + "' is unreachable (" + unreachable + ")";
    if (h.state() == BackendHealth.State.OPEN) {
      return "the breaker of backend '" + a.backend() + "' is open (next probe in " + h.nextProbeIn().toMillis() + " ms)";
    }
    return null;
  }

  public Future<Void> close() {
    return net.close();
  }
}
