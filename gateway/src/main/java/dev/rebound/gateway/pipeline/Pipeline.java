package dev.rebound.gateway.pipeline;

import io.vertx.core.Future;
import java.util.List;

/**
 * The order of the request pipeline, written in one place. Each step is one concern; a step that fails with a
 * GatewayException ends the request with that error in the client's protocol.
 *
 * <pre>
 *   TenantAuth      proxy key -> tenant
 *   SessionBinding  load the session; continuation / resume / fork; store the user turn
 *   ContextGuard    count the prompt's tokens (cached per message) for routing and the context fit
 *   RoutePlanner    rules -> ranked agents (the attempt plan)
 *   AttemptLoop     per attempt: fit the context to the agent's window (ContextFit), call upstream, recover, relay
 *                   the answer (the Checkpointer stores the assistant turn before the end)
 * </pre>
 */
public final class Pipeline {
  private final List<Step> steps;

  public Pipeline(TenantAuth auth, SessionBinding sessions, ContextGuard context, RoutePlanner planner, AttemptLoop attempts) {
    this.steps = List.of(auth, sessions, context, planner, attempts);
  }

  public Future<Void> run(Exchange exchange) {
    Future<Void> f = Future.succeededFuture();
    for (Step step : steps) f = f.compose(v -> step.apply(exchange));
    return f;
  }
}
