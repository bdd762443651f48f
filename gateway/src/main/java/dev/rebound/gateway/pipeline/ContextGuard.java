package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.context.ContextRequest;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.Future;

/**
 * Counts the request's prompt with the tokenizer of the model it asks for (cached per message, so a growing session
 * costs only its new messages), for routing's token ranges and window fit. Fitting to an agent's window happens per
 * attempt in the AttemptLoop, since each agent of a plan may have its own window and tokenizer.
 */
public final class ContextGuard implements Step {
  private final ContextFit fit;
  private final RouteTable routes;

  public ContextGuard(ContextFit fit, RouteTable routes) {
    this.fit = fit;
    this.routes = routes;
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    ContextRequest request = new ContextRequest(ex.format(), ex.jsonToSend(), ex.proxyKey(), ex.bodyToSend().length(), ex.digests());
    // a client that names an agent ("model": "coder") is counted with that agent's model's tokenizer
    AgentDefinition named = routes.current().agent(ex.model());
    String model = named != null ? named.model() : ex.model();
    return fit.count(request, fit.counter().tokenizers().forModel(model))
        .map(count -> {
          ex.counted(request, count.total());
          return null;
        });
  }
}
