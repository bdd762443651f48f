package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.ConfigException;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RequestFeatures;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.gateway.sessions.SessionEventRecorder;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.Protocol;
import dev.rebound.routing.RoutingRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Map;

/** /admin/routes: show the rules in force, replace them whole, and explain how a request would be routed. */
final class RoutesApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ReboundConfig config;
  private final RouteTable routes;
  private final LiveAgentHealth load;
  private final SessionEventRecorder events;
  private final Clock clock;

  RoutesApi(ReboundConfig config, RouteTable routes, LiveAgentHealth load, SessionEventRecorder events, Clock clock) {
    this.config = config;
    this.routes = routes;
    this.load = load;
    this.events = events;
    this.clock = clock;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/routes", this::showRoutes);
    mount.put("/admin/routes", this::replaceRoutes);
    mount.post("/admin/routes/explain", this::explain);
  }

  private void showRoutes(RoutingContext ctx, AdminParams p) {
    JsonObject out = new JsonObject().put("version", routes.version())
        .put("routes", new JsonArray(routes.current().describe()))
        .put("agents", new JsonArray(routes.current().agents().stream().map(AgentDefinition::name).toList()));
    ok(ctx, out);
  }

  private void replaceRoutes(RoutingContext ctx, AdminParams p) {
    String text = ctx.body().asString();
    try {
      var rules = new ConfigLoader(System.getenv()).parseRoutes(text == null ? "" : text, config);
      long version = routes.replace(rules);
      events.emit(new GatewayEvent(clock.instant(), EventType.ROUTES_REPLACED, null, "routes replaced through the admin API",
          Map.of("version", version, "routes", rules.describe().size())));
      ok(ctx, new JsonObject().put("version", version).put("routes", new JsonArray(rules.describe())));
    } catch (ConfigException e) {
      ctx.response().setStatusCode(400).putHeader("content-type", "application/json").end(new JsonObject()
          .put("error", new JsonObject().put("message", "The routes were rejected whole; the old ones stay in force.")
              .put("problems", new JsonArray(e.problems()))).encode());
    }
  }

  private void explain(RoutingContext ctx, AdminParams p) {
    Protocol protocol = p.protocol("protocol", WireFormats.OPENAI_CHAT.protocol());
    String tenant = p.tenant();
    JsonNode body;
    try {
      body = JSON.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
    } catch (java.io.IOException e) {
      AdminAuth.deny(ctx, 400, "The body must be a request in the " + protocol.id() + " protocol, as JSON: " + e.getMessage());
      return;
    }
    if (body == null || !body.isObject() || !body.path("model").isTextual()) {
      AdminAuth.deny(ctx, 400, "The body must be a JSON request with a model, as a client would send it.");
      return;
    }
    WireFormat format = WireFormats.of(protocol);
    String path = format.endpoint().path();
    String sessionAgent = ctx.request().getHeader("x-rebound-preferred-agent");
    RoutingRequest request = RequestFeatures.of(format, (ObjectNode) body, ctx.request().headers(), path,
        tenant, sessionAgent, 0.5);
    AttemptPlan plan = routes.current().plan(request, load);
    JsonObject features = new JsonObject()
        .put("task", plan.features().domain())
        .put("declared", plan.features().declared())
        .put("scores", new JsonObject(Map.copyOf(plan.features().scores())))
        .put("evidence", new JsonArray(plan.features().evidence()))
        .put("complexity", plan.features().complexity())
        .put("skills", new JsonArray(plan.features().skills().stream().sorted().toList()))
        .put("tokens", plan.features().tokens())
        .put("tools", request.hasTools())
        .put("images", request.hasImages());
    JsonArray planned = new JsonArray();
    plan.agents().forEach(c -> planned.add(new JsonObject().put("agent", c.agent().name()).put("score", c.score())
        .put("reason", c.reason())));
    JsonArray skipped = new JsonArray();
    plan.skipped().forEach(s -> skipped.add(new JsonObject().put("agent", s.agent()).put("reason", s.reason())));
    ok(ctx, new JsonObject().put("route", plan.route()).put("features", features).put("plan", planned)
        .put("skipped", skipped));
  }
}
