package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.http.ClientError;
import dev.rebound.gateway.http.GatewayException;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.RoutingRequest;
import dev.rebound.routing.RuleSet;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Asks the routing rules which agents serve this request, in which order; no plan is a clear 404. */
public final class RoutePlanner implements Step {
  private final Supplier<RuleSet> rules;
  private final EventSink events;
  private final Clock clock;

  public RoutePlanner(Supplier<RuleSet> rules, EventSink events, Clock clock) {
    this.rules = rules;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public Future<Void> apply(Exchange ex) {
    RuleSet ruleSet = rules.get();
    AttemptPlan plan = ruleSet.plan(new RoutingRequest(ex.protocol(), ex.model()));
    if (plan.isEmpty()) {
      String why = plan.skipped().isEmpty()
          ? "no route matches it"
          : "no agent that speaks " + ex.protocol().id() + " serves it (" + plan.skipped().stream()
              .map(s -> s.agent() + ": " + s.reason()).reduce((a, b) -> a + "; " + b).orElse("") + ")";
      return Future.failedFuture(new GatewayException(ClientError.notFound(
          "The model '" + ex.model() + "' is not served here: " + why + ". Known models: "
              + String.join(", ", ruleSet.knownModels()) + ".", "model_not_found")));
    }
    ex.planned(plan);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("model", ex.model());
    fields.put("route", plan.route());
    fields.put("plan", plan.agents().stream().map(c -> c.agent().name()).toList());
    if (!plan.skipped().isEmpty()) fields.put("skipped", plan.skipped());
    events.emit(new GatewayEvent(clock.instant(), "route", ex.sessionId(), plan.agents().get(0).reason(), fields));
    return Future.succeededFuture();
  }
}
