package dev.rebound.gateway.responses;

import dev.rebound.gateway.pipeline.TenantAuth;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.store.CheckpointStore;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * {@code GET /v1/responses/{id}}: the kept response object, as the client got it when it was made; a 404 in OpenAI's
 * shape for an id the tenant has none of. One small handler, so that a lookup of responses still being made (background
 * responses) can be put in front of it.
 */
public final class ResponseRetrieval implements Handler<RoutingContext> {
  private final TenantAuth auth;
  private final Supplier<CheckpointStore> store;

  public ResponseRetrieval(TenantAuth auth, Supplier<CheckpointStore> store) {
    this.auth = auth;
    this.store = store;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String id = ctx.pathParam("responseId");
    String tenant;
    try {
      tenant = auth.identify(ctx.request().headers()).tenant();
    } catch (GatewayException e) {
      ResponsesEndpoints.fail(ctx, e.error());
      return;
    }
    store.get().response(tenant, id).onComplete(ar -> {
      if (ar.failed()) ResponsesEndpoints.fail(ctx, ResponsesEndpoints.storeDown(ar.cause()));
      else if (ar.result() == null) ResponsesEndpoints.fail(ctx, ResponsesEndpoints.notFound(id));
      else ResponsesEndpoints.json(ctx, 200, ar.result().json());
    });
  }
}
