package dev.rebound.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.ConfigException;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.sessions.SessionEventRecorder;
import dev.rebound.gateway.recovery.HealthBoard;
import dev.rebound.gateway.routes.LiveAgentHealth;
import dev.rebound.gateway.routes.RequestFeatures;
import dev.rebound.gateway.routes.RouteTable;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.WireFormats;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.Protocol;
import dev.rebound.routing.RoutingRequest;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.SessionKey;
import dev.rebound.store.SessionMeta;
import dev.rebound.gateway.sessions.ContextView;
import dev.rebound.store.Append;
import dev.rebound.store.CheckpointDraft;
import dev.rebound.store.CheckpointKind;
import dev.rebound.store.CheckpointLookup;
import dev.rebound.store.CheckpointSupersededException;
import dev.rebound.store.SessionEvent;
import dev.rebound.store.SessionExistsException;
import dev.rebound.store.SessionNotFoundException;
import dev.rebound.store.StaleWriteException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The admin API: routes (show, replace, explain), backend health and sessions (list, show). Mounted under /admin
 * behind {@link AdminAuth}.
 */
public final class AdminApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ReboundConfig config;
  private final RouteTable routes;
  private final HealthBoard health;
  private final LiveAgentHealth load;
  private final Supplier<CheckpointStore> store;
  /** Also the writer of session events: reads of a session's events first wait for the ones not written yet. */
  private final SessionEventRecorder events;
  private final Clock clock;
  private final List<String> tenants;

  public AdminApi(ReboundConfig config, RouteTable routes, HealthBoard health, LiveAgentHealth load,
      Supplier<CheckpointStore> store, SessionEventRecorder events, Clock clock) {
    this.store = store;
    this.config = config;
    this.routes = routes;
    this.health = health;
    this.load = load;
    this.events = events;
    this.clock = clock;
    this.tenants = config.tenants().stream().map(t -> t.name()).toList();
  }

  public void mount(Router router) {
    router.route("/admin/*").handler(new AdminAuth(config.admin().token()));
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes());
    router.get("/admin/routes").handler(call(this::showRoutes));
    router.put("/admin/routes").handler(body).handler(call(this::replaceRoutes));
    router.post("/admin/routes/explain").handler(body).handler(call(this::explain));
    router.get("/admin/backends").handler(call(this::backends));
    router.get("/admin/tenants").handler(call((ctx, p) -> ok(ctx, new JsonObject().put("tenants", new JsonArray(tenants)))));
    router.get("/admin/sessions").handler(call(this::listSessions));
    router.get("/admin/sessions/:id").handler(call(this::showSession));
    router.delete("/admin/sessions/:id").handler(call(this::deleteSession));
    router.get("/admin/sessions/:id/checkpoints/:seq").handler(call(this::showCheckpoint));
    router.post("/admin/sessions/:id/checkpoints").handler(body).handler(call(this::manualCheckpoint));
    router.post("/admin/sessions/:id/fork").handler(body).handler(call(this::forkSession));
    router.post("/admin/sessions/:id/restore").handler(body).handler(call(this::restoreSession));
    router.get("/admin/sessions/:id/events").handler(call(this::sessionEvents));
  }

  /** An admin call: its parameters are read through {@link AdminParams}, and one it cannot act on is answered here. */
  private io.vertx.core.Handler<RoutingContext> call(java.util.function.BiConsumer<RoutingContext, AdminParams> handler) {
    return ctx -> {
      try {
        handler.accept(ctx, new AdminParams(ctx, tenants));
      } catch (AdminParams.Rejected r) {
        AdminAuth.deny(ctx, r.status, r.getMessage());
      }
    };
  }

  /** A store call that failed, as the status that says why: a conflict, something missing, a bad id, or the store. */
  private static void storeFailed(RoutingContext ctx, Throwable e) {
    if (ctx.response().ended()) return;
    int code = e instanceof StaleWriteException || e instanceof SessionExistsException
        || e instanceof CheckpointSupersededException ? 409
        : e instanceof SessionNotFoundException ? 404 : e instanceof IllegalArgumentException ? 400 : 503;
    AdminAuth.deny(ctx, code, code == 503 ? "The session store is unavailable: " + e.getMessage() : e.getMessage());
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
      events.emit(new GatewayEvent(clock.instant(), "routes-replaced", null, "routes replaced through the admin API",
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

  private void backends(RoutingContext ctx, AdminParams p) {
    JsonArray out = new JsonArray();
    health.all().forEach((name, h) -> {
      var cooling = h.coolingUntil();
      JsonObject budgets = new JsonObject();
      h.budgets().forEach((model, b) -> budgets.put(model, new JsonObject().put("seen", b.seen().toString())
          .put("limits", new JsonArray(b.limits().stream().map(l -> new JsonObject().put("name", l.name())
              .put("limit", l.limit()).put("remaining", l.remaining())
              .put("resetsAt", l.resetsAt() == null ? null : l.resetsAt().toString())).toList()))));
      out.add(new JsonObject().put("backend", name).put("breaker", h.state().name())
          .put("coolingUntil", cooling == null ? null : cooling.toString()).put("budgets", budgets));
    });
    JsonArray agents = new JsonArray();
    routes.current().agents().forEach(a -> agents.add(new JsonObject().put("agent", a.name()).put("backend", a.backend())
        .put("status", load.status(a).name()).put("inFlight", load.inFlight(a))));
    ok(ctx, new JsonObject().put("backends", out).put("agents", agents));
  }

  private void listSessions(RoutingContext ctx, AdminParams p) {
    String tenant = p.tenant();
    int offset = p.queryInt("offset", 0, 0, Integer.MAX_VALUE);
    int limit = p.queryInt("limit", 50, 1, 500);
    store.get().list(tenant, offset, limit).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx, ar.cause());
        return;
      }
      JsonArray out = new JsonArray();
      ar.result().forEach(m -> out.add(metaJson(m)));
      ok(ctx, new JsonObject().put("tenant", tenant).put("offset", offset).put("sessions", out));
    });
  }

  private void showSession(RoutingContext ctx, AdminParams p) {
    SessionKey key = p.session();
    CheckpointStore s = store.get();
    s.meta(key).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx, ar.cause());
      } else if (ar.result() == null) {
        // another tenant's session looks exactly like a missing one
        AdminAuth.deny(ctx, 404, "No session '" + key.id() + "' for tenant '" + key.tenant() + "'.");
      } else {
        SessionMeta meta = ar.result();
        s.messages(key, 0, meta.messageCount()).compose(msgs -> s.checkpoints(key).map(cps -> {
          JsonArray messages = new JsonArray();
          msgs.forEach(m -> messages.add(new JsonObject().put("index", m.index()).put("role", m.role())
              .put("partial", m.partial()).put("at", m.at().toString()).put("message", new JsonObject(m.json()))));
          JsonArray checkpoints = new JsonArray();
          cps.forEach(c -> checkpoints.add(new JsonObject().put("seq", c.seq()).put("kind", c.kind().name())
              .put("label", c.label()).put("messageCount", c.messageCount()).put("at", c.at().toString())
              .put("reason", c.reason())));
          return new JsonObject().put("meta", metaJson(meta)).put("messages", messages).put("checkpoints", checkpoints);
        })).onComplete(r -> {
          if (r.succeeded()) ok(ctx, r.result());
          else storeFailed(ctx, r.cause());
        });
      }
    });
  }

  /** Runs {@code work} on an existing session; a missing one (or another tenant's) is a 404. */
  private void withSession(RoutingContext ctx, SessionKey key, BiFunction<SessionKey, SessionMeta, Future<JsonObject>> work,
      int status) {
    store.get().meta(key).compose(meta -> meta == null ? Future.succeededFuture((JsonObject) null) : work.apply(key, meta))
        .onComplete(ar -> {
          if (ctx.response().ended()) return;
          if (ar.failed()) {
            storeFailed(ctx, ar.cause());
          } else if (ar.result() == null) {
            AdminAuth.deny(ctx, 404, "No session '" + key.id() + "' for tenant '" + key.tenant() + "'.");
          } else {
            ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(ar.result().encodePrettily());
          }
        });
  }

  private void deleteSession(RoutingContext ctx, AdminParams p) {
    // its events not written yet go first, so that none lands after the delete and outlives the session
    withSession(ctx, p.session(), (key, meta) -> events.flush(key).compose(v -> store.get().delete(key))
        .map(v -> new JsonObject().put("deleted", key.id())), 200);
  }

  /** The checkpoint and the exact context that was sent upstream at that point. */
  private void showCheckpoint(RoutingContext ctx, AdminParams p) {
    SessionKey session = p.session();
    int seq = p.pathSeq("seq");
    withSession(ctx, session, (key, meta) -> store.get().checkpoint(key, seq).compose(cp -> {
      if (cp == null) return Future.failedFuture(new SessionNotFoundException(key, seq));
      JsonObject out = new JsonObject().put("seq", cp.seq()).put("kind", cp.kind().name()).put("label", cp.label())
          .put("messageCount", cp.messageCount()).put("at", cp.at().toString()).put("reason", cp.reason());
      if (!ContextView.readsHistory(cp.contextView())) {
        return Future.succeededFuture(out.put("context", ContextView.expand(cp.contextView(), List.of())));
      }
      // the view names stored messages: after a rewind below this checkpoint, other messages stand at those places
      return store.get().checkpoints(key).compose(all -> {
        try {
          CheckpointLookup.usable(key, all, seq);
        } catch (CheckpointSupersededException e) {
          return Future.succeededFuture(out.putNull("context").put("contextUnavailable", e.getMessage()
              + "; the messages it sent have been replaced by the turns after that rewind"));
        }
        return store.get().messages(key, 0, cp.messageCount())
            .map(msgs -> out.put("context", ContextView.expand(cp.contextView(), msgs)));
      });
    }), 200);
  }

  private void manualCheckpoint(RoutingContext ctx, AdminParams p) {
    SessionKey session = p.session();
    String label = p.bodyString("label", null, AdminParams.MAX_LABEL);
    withSession(ctx, session, (key, meta) -> store.get().append(key, Append.of(meta.version())
            .withCheckpoint(new CheckpointDraft(CheckpointKind.MANUAL, label,
                ContextView.SENT_AS_STORED, 0, "taken through the admin API")))
        .map(m -> new JsonObject().put("checkpoint", m.checkpointCount()).put("meta", metaJson(m))), 201);
  }

  private void forkSession(RoutingContext ctx, AdminParams p) {
    SessionKey session = p.session();
    int from = p.bodyInt("fromCheckpoint", 1, Integer.MAX_VALUE, "a checkpoint seq");
    String newId = p.bodySessionId("newId", null);
    withSession(ctx, session, (key, meta) -> {
      // a fork's default name is the source's plus a suffix, which may take it past the id's length
      SessionKey to = new SessionKey(key.tenant(), newId != null ? newId : forkId(key.id()));
      return store.get().fork(key, from, to).map(m -> new JsonObject().put("meta", metaJson(m)));
    }, 201);
  }

  private String forkId(String id) {
    String suffix = ".fork-" + Long.toString(clock.millis(), 36);
    return id.substring(0, Math.min(id.length(), 128 - suffix.length())) + suffix;
  }

  private void restoreSession(RoutingContext ctx, AdminParams p) {
    SessionKey session = p.session();
    int seq = p.bodyInt("checkpoint", 1, Integer.MAX_VALUE, "a checkpoint seq");
    withSession(ctx, session, (key, meta) -> store.get().restore(key, seq, meta.version()).map(m -> new JsonObject().put("meta", metaJson(m))), 200);
  }

  /** The session's events as JSON; with ?follow=true a server-sent event stream of new ones as they come. */
  private void sessionEvents(RoutingContext ctx, AdminParams p) {
    SessionKey key = p.session();
    boolean follow = p.queryFlag("follow");
    String after = p.eventId("after");
    int limit = p.queryInt("limit", 1000, 1, 1000);
    if (!follow) {
      events.flush(key).compose(v -> store.get().events(key, after, limit)).onComplete(ar -> {
        if (ar.failed()) {
          storeFailed(ctx, ar.cause());
          return;
        }
        JsonArray out = new JsonArray();
        ar.result().forEach(e -> out.add(eventJson(e)));
        ok(ctx, new JsonObject().put("session", key.id()).put("events", out));
      });
      return;
    }
    var resp = ctx.response().setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
    String[] last = {after};
    var vertx = ctx.vertx();
    long timer = vertx.setPeriodic(500, id -> {
      if (resp.closed() || resp.ended()) {
        vertx.cancelTimer(id);
        return;
      }
      events.flush(key).compose(v -> store.get().events(key, last[0], 500)).onSuccess(page -> {
        for (var e : page) {
          last[0] = e.id();
          resp.write("id: " + e.id() + "\nevent: " + e.type() + "\ndata: " + eventJson(e).encode() + "\n\n");
        }
        if (page.isEmpty()) resp.write(": keep-alive\n\n");
      });
    });
    resp.closeHandler(v -> vertx.cancelTimer(timer));
    resp.write(": following " + key.id() + "\n\n");
  }

  private static JsonObject eventJson(SessionEvent e) {
    JsonObject details;
    try {
      details = new JsonObject(e.json());
    } catch (RuntimeException ex) {
      details = new JsonObject();
    }
    return new JsonObject().put("id", e.id()).put("at", e.at().toString()).put("type", e.type()).put("reason", e.reason())
        .put("details", details);
  }

  private static JsonObject metaJson(SessionMeta m) {
    return new JsonObject().put("id", m.key().id()).put("tenant", m.key().tenant()).put("protocol", m.protocol())
        .put("created", String.valueOf(m.created())).put("updated", String.valueOf(m.updated())).put("turns", m.turns())
        .put("tokens", m.tokens()).put("status", m.status()).put("agent", m.agent()).put("version", m.version())
        .put("messageCount", m.messageCount()).put("checkpointCount", m.checkpointCount()).put("forkedFrom", m.forkedFrom());
  }

  private static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("content-type", "application/json").end(body.encodePrettily());
  }
}
