package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;

import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.context.ContextWindows;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RouteTable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * /admin/backends: each backend's URL, protocol, models (with their configured context windows), breaker, cooldown,
 * rate-limit budgets and last failed attempt; each agent's status, load and the context window in force.
 */
final class BackendsApi {
  private final HealthBoard health;
  private final RouteTable routes;
  private final LiveAgentHealth load;
  private final ReboundConfig config;
  private final ContextWindows windows;
  private final LiveFeed live;

  BackendsApi(HealthBoard health, RouteTable routes, LiveAgentHealth load, ReboundConfig config, ContextWindows windows,
      LiveFeed live) {
    this.health = health;
    this.routes = routes;
    this.load = load;
    this.config = config;
    this.windows = windows;
    this.live = live;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/backends", this::backends);
  }

  private void backends(RoutingContext ctx, AdminParams p) {
    JsonArray out = new JsonArray();
    health.all().forEach((name, h) -> {
      var cooling = h.coolingUntil();
      JsonObject budgets = new JsonObject();
      h.budgets().forEach((model, b) -> budgets.put(model, new JsonObject().put("seen", b.seen().toString())
          .put("limits", new JsonArray(b.limits().stream().map(l -> new JsonObject().put("name", l.name())
              .put("limit", l.limit()).put("remaining", l.remaining())
              .put("resetsAt", l.resetsAt() == null ? null : l.resetsAt().toString())).toList()))));
      JsonObject backend = new JsonObject().put("backend", name);
      config.backend(name).ifPresent(b -> backend.put("url", b.url().toString()).put("protocol", b.protocol().id())
          .put("models", new JsonArray(b.models().stream().map(m -> new JsonObject().put("name", m.name())
              .put("contextWindow", m.contextWindow())).toList())));
      out.add(backend.put("breaker", h.state().name())
          .put("coolingUntil", cooling == null ? null : cooling.toString()).put("budgets", budgets)
          .put("lastError", live.lastFailure(name)));
    });
    JsonArray agents = new JsonArray();
    routes.current().agents().forEach(a -> {
      ContextWindows.Window w = windows.of(a);
      agents.add(new JsonObject().put("agent", a.name()).put("backend", a.backend()).put("model", a.model())
          .put("status", load.status(a).name()).put("inFlight", load.inFlight(a))
          .put("contextWindow", w.window()).put("windowSource", w.source()));
    });
    ok(ctx, new JsonObject().put("backends", out).put("agents", agents));
  }
}
