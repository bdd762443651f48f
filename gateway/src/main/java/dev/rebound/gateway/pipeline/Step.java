package dev.rebound.gateway.pipeline;

import io.vertx.core.Future;

/**
 * One concern of the request pipeline, acting on the way in, on the way out, or both. The way in runs the steps in
 * pipeline order until the last one has decided how the request ends ({@link Exchange#result()}); the way out runs
 * the steps that took part in reverse order, before the reply's end goes to the client.
 */
public interface Step {
  /** The way in. A failed future carrying a GatewayException ends the request with that error. */
  default Future<Void> onRequest(Exchange exchange) {
    return Future.succeededFuture();
  }

  /** The way out, with {@link Exchange#result()} known; the client has not yet seen the reply's end. */
  default Future<Void> onResponse(Exchange exchange) {
    return Future.succeededFuture();
  }
}
