package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;
import static dev.rebound.gateway.admin.AdminReplies.storeFailed;

import dev.rebound.store.CheckpointStore;
import dev.rebound.store.StoredResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * /admin/responses/{id}: where a kept Responses API response is, the session and turn it answered (what
 * {@code previous_response_id} goes on from), with the response object. Another tenant's id answers as a missing one.
 */
final class KeptResponsesApi {
  private final Supplier<CheckpointStore> store;

  KeptResponsesApi(Supplier<CheckpointStore> store) {
    this.store = store;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/responses/:id", this::show);
  }

  private void show(RoutingContext ctx, AdminParams p) {
    String tenant = p.tenant();
    String id = ctx.pathParam("id");
    if (!StoredResponse.validId(id)) {
      AdminAuth.deny(ctx, 400, "The response id '" + id + "' is invalid: it must match " + StoredResponse.ID.pattern() + ".");
      return;
    }
    store.get().response(tenant, id).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx, ar.cause());
      } else if (ar.result() == null) {
        AdminAuth.deny(ctx, 404, "No kept response '" + id + "' for tenant '" + tenant + "'.");
      } else {
        StoredResponse r = ar.result();
        ok(ctx, new JsonObject().put("id", r.id()).put("tenant", r.tenant()).put("session", r.sessionId())
            .put("turn", r.turn()).put("created", r.created().toString()).put("response", new JsonObject(r.json())));
      }
    });
  }
}
