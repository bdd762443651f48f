package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** /admin/tenants: the configured tenant names (never their keys). */
final class TenantsApi {
  private final List<String> tenants;

  TenantsApi(List<String> tenants) {
    this.tenants = tenants;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/tenants", (ctx, p) -> ok(ctx, new JsonObject().put("tenants", new JsonArray(tenants))));
  }
}
