package dev.rebound.gateway.admin;

import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/**
 * Where each admin resource mounts its endpoints: a call gets its parameters read through {@link AdminParams}, and
 * one it cannot act on is answered here; the calls that take a body (PUT, POST) have it read first, within the
 * server's body limit.
 */
final class AdminMount {
  /** One admin endpoint. */
  @FunctionalInterface
  interface Call {
    void handle(RoutingContext ctx, AdminParams params);
  }

  private final Router router;
  private final BodyHandler body;
  private final List<String> tenants;

  AdminMount(Router router, long maxBodyBytes, List<String> tenants) {
    this.router = router;
    this.body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    this.tenants = tenants;
  }

  void get(String path, Call call) {
    router.get(path).handler(handler(call));
  }

  void delete(String path, Call call) {
    router.delete(path).handler(handler(call));
  }

  void put(String path, Call call) {
    router.put(path).handler(body).handler(handler(call));
  }

  void post(String path, Call call) {
    router.post(path).handler(body).handler(handler(call));
  }

  private Handler<RoutingContext> handler(Call call) {
    return ctx -> {
      try {
        call.handle(ctx, new AdminParams(ctx, tenants));
      } catch (AdminParams.Rejected r) {
        AdminAuth.deny(ctx, r.status, r.getMessage());
      }
    };
  }
}
