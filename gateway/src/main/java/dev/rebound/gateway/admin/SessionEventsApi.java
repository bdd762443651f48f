package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;
import static dev.rebound.gateway.admin.AdminReplies.storeFailed;

import dev.rebound.gateway.sessions.SessionEventRecorder;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.SessionEvent;
import dev.rebound.store.SessionKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/** /admin/sessions/:id/events: a session's events as JSON, or with ?follow=true as a server-sent event stream. */
final class SessionEventsApi {
  private final Supplier<CheckpointStore> store;
  /** Also the writer of session events: reads of a session's events first wait for the ones not written yet. */
  private final SessionEventRecorder events;

  SessionEventsApi(Supplier<CheckpointStore> store, SessionEventRecorder events) {
    this.store = store;
    this.events = events;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/sessions/:id/events", this::sessionEvents);
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
}
