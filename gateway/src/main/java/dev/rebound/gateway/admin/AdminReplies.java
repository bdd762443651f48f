package dev.rebound.gateway.admin;

import dev.rebound.store.CheckpointSupersededException;
import dev.rebound.store.SessionExistsException;
import dev.rebound.store.SessionNotFoundException;
import dev.rebound.store.StaleWriteException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** How admin calls answer: a JSON body, or a store failure as the status that says why. */
final class AdminReplies {
  private AdminReplies() {}

  static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("content-type", "application/json").end(body.encodePrettily());
  }

  /** A store call that failed, as the status that says why: a conflict, something missing, a bad id, or the store. */
  static void storeFailed(RoutingContext ctx, Throwable e) {
    if (ctx.response().ended()) return;
    int code = e instanceof StaleWriteException || e instanceof SessionExistsException
        || e instanceof CheckpointSupersededException ? 409
        : e instanceof SessionNotFoundException ? 404 : e instanceof IllegalArgumentException ? 400 : 503;
    AdminAuth.deny(ctx, code, code == 503 ? "The session store is unavailable: " + e.getMessage() : e.getMessage());
  }
}
