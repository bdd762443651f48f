package dev.rebound.gateway.pipeline;

import io.vertx.core.Future;

/** One concern of the request pipeline. A failed future carrying a GatewayException answers the client. */
public interface Step {
  Future<Void> apply(Exchange exchange);
}
