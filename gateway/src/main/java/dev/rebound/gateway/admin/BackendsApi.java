package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;

import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RouteTable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** /admin/backends: each backend's breaker, cooldown and rate-limit budgets, and each agent's status and load. */
final class BackendsApi {
  private final HealthBoard health;
  private final RouteTable routes;
  private final LiveAgentHealth load;

  BackendsApi(HealthBoard health, RouteTable routes, LiveAgentHealth load) {
    this.health = health;
    this.routes = routes;
    this.load = load;
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
      out.add(new JsonObject().put("backend", name).put("breaker", h.state().name())
          .put("coolingUntil", cooling == null ? null : cooling.toString()).put("budgets", budgets));
    });
    JsonArray agents = new JsonArray();
    routes.current().agents().forEach(a -> agents.add(new JsonObject().put("agent", a.name()).put("backend", a.backend())
        .put("status", load.status(a).name()).put("inFlight", load.inFlight(a))));
    ok(ctx, new JsonObject().put("backends", out).put("agents", agents));
  }
}
