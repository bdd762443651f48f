package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RequestFeatures;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.gateway.routes.SessionAffinity;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.RoutingRequest;
import dev.rebound.routing.RuleSet;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Asks the routing rules in force which agents serve this request, in which order and why; no plan is a clear 404. On
 * the way out, notes which agent served the session: a session that moved to another agent is a handoff.
 */
public final class RoutePlanner implements Step {
  private final RouteTable routes;
  private final LiveAgentHealth health;
  private final SessionAffinity affinity;
  private final Clock clock;
  private final DoubleSupplier random;

  /** @param random uniform in [0, 1): the draw for weighted and sampled routes */
  public RoutePlanner(RouteTable routes, LiveAgentHealth health, SessionAffinity affinity, Clock clock,
      DoubleSupplier random) {
    this.random = random;
    this.routes = routes;
    this.health = health;
    this.affinity = affinity;
    this.clock = clock;
  }

  /** Longest model name an event carries whole: events queue for the log, and a client's name can be megabytes. */
  static final int MAX_LOGGED_MODEL = 256;

  static String loggable(String model) {
    if (model.length() <= MAX_LOGGED_MODEL) return model;
    return model.substring(0, MAX_LOGGED_MODEL) + "... (" + model.length() + " characters)";
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    RuleSet ruleSet = routes.current();
    RoutingRequest request = RequestFeatures.of(ex.format(), ex.json(), ex.requestHeaders(), ex.endpoint().path(),
        ex.tenant(), affinity.lastAgent(ex.tenant(), ex.sessionId()), random.getAsDouble(),
        ex.promptTokens());
    AttemptPlan plan = ruleSet.plan(request, health);
    if (plan.isEmpty()) {
      String why = plan.skipped().isEmpty()
          ? "no route matches it"
          : "no agent can serve it (" + String.join("; ", plan.skipped().stream().map(s -> s.agent() + ": " + s.reason()).toList()) + ")";
      return Future.failedFuture(new GatewayException(ClientError.notFound(
          "The model '" + loggable(ex.model()) + "' is not served here: " + why + ". Known models: "
              + String.join(", ", ruleSet.knownModels()) + ".", "model_not_found")));
    }
    ex.planned(plan);
    ex.routeOnOverflow(ruleSet.onOverflow(plan.route()));
    LinkedHashMap<String, Object> fields = new LinkedHashMap<>();
    fields.put("model", loggable(ex.model()));
    fields.put("route", plan.route());
    List<String> agents = new ArrayList<>(plan.agents().size());
    for (AttemptPlan.Candidate c : plan.agents()) agents.add(c.agent().name());
    fields.put("plan", agents);
    if (!plan.skipped().isEmpty()) fields.put("skipped", plan.skipped());
    // the detailed reason needs the task analysis; a rule that did not need it should not pay for it per request
    String reason;
    if (plan.featuresKnown()) {
      fields.put("task", plan.features().domain());
      reason = plan.agents().get(0).reason();
    } else {
      reason = "route '" + plan.route() + "': " + String.join(" then ", agents);
    }
    ex.emit(EventType.ROUTE, reason, GatewayEvent.fieldsOf(fields));
    return Future.succeededFuture();
  }

  /** The next turn of a session that moved carries its full history to the new agent. */
  @Override
  public Future<Void> onResponse(Exchange ex) {
    AgentDefinition agent = ex.result() instanceof Result.Answered a ? a.agent()
        : ex.result() instanceof Result.Streamed s ? s.agent() : null;
    if (agent == null) return Future.succeededFuture();
    String previous = affinity.served(ex.tenant(), ex.sessionId(), agent.name());
    if (previous != null) {
      ex.emit(EventType.HANDOFF, "session moved from " + previous + " to " + agent.name(),
          Map.of("agent", agent.name(), "backend", agent.backend(), "from", previous));
    }
    return Future.succeededFuture();
  }
}
