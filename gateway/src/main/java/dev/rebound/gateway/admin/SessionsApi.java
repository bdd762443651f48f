package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;
import static dev.rebound.gateway.admin.AdminReplies.storeFailed;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.pipeline.ThreadIds;
import dev.rebound.gateway.sessions.ContextView;
import dev.rebound.gateway.sessions.SessionEventRecorder;
import dev.rebound.store.Append;
import dev.rebound.store.Checkpoint;
import dev.rebound.store.CheckpointDraft;
import dev.rebound.store.CheckpointKind;
import dev.rebound.store.CheckpointLookup;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.CheckpointSupersededException;
import dev.rebound.store.SessionKey;
import dev.rebound.store.SessionMeta;
import dev.rebound.store.SessionNotFoundException;
import dev.rebound.store.StoredMessage;
import dev.rebound.store.TurnUsage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * /admin/sessions: list, show and delete sessions, show a checkpoint with the context it sent, take a manual
 * checkpoint, fork and restore. Another tenant's session answers exactly as a missing one.
 */
final class SessionsApi {
  /** How many of the tenant's most recent sessions are looked through for a session's threads. */
  private static final int THREADS_SCANNED = 1000;
  private final Supplier<CheckpointStore> store;
  /** Also the writer of session events: a delete first writes the session's events not written yet. */
  private final SessionEventRecorder events;
  private final Clock clock;

  SessionsApi(Supplier<CheckpointStore> store, SessionEventRecorder events, Clock clock) {
    this.store = store;
    this.events = events;
    this.clock = clock;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/sessions", this::listSessions);
    mount.get("/admin/sessions/:id", this::showSession);
    mount.delete("/admin/sessions/:id", this::deleteSession);
    mount.get("/admin/sessions/:id/checkpoints/:seq", this::showCheckpoint);
    mount.post("/admin/sessions/:id/checkpoints", this::manualCheckpoint);
    mount.post("/admin/sessions/:id/fork", this::forkSession);
    mount.post("/admin/sessions/:id/restore", this::restoreSession);
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
              .put("partial", m.partial()).put("at", m.at().toString()).put("usage", usageJson(m.usage()))
              .put("message", new JsonObject(m.json()))));
          JsonArray checkpoints = new JsonArray();
          cps.forEach(c -> {
            JsonObject cp = new JsonObject().put("seq", c.seq()).put("kind", c.kind().name())
                .put("label", c.label()).put("messageCount", c.messageCount()).put("at", c.at().toString())
                .put("reason", c.reason());
            // a restore below it replaced the messages it counts: it no longer describes this session's history
            int by = CheckpointLookup.supersededBy(cps, c.seq());
            if (by > 0) cp.put("supersededBy", by);
            checkpoints.add(cp);
          });
          return new JsonObject().put("meta", metaJson(meta)).put("messages", messages).put("checkpoints", checkpoints);
        })).compose(out -> withThreads(key, meta, out)).onComplete(r -> {
          if (r.succeeded()) ok(ctx, r.result());
          else storeFailed(ctx, r.cause());
        });
      }
    });
  }

  /**
   * Adds the session's threads (the main one first, then the others by turns) and the usage of them all; a thread
   * shown by its own id names the session it belongs to.
   */
  private Future<JsonObject> withThreads(SessionKey key, SessionMeta meta, JsonObject out) {
    String session = ThreadIds.sessionOf(key.id());
    if (!session.equals(key.id())) out.put("threadOf", session);
    return store.get().list(key.tenant(), 0, THREADS_SCANNED).map(all -> {
      List<SessionMeta> threads = new java.util.ArrayList<>(all.stream()
          .filter(m -> ThreadIds.sessionOf(m.key().id()).equals(session)).toList());
      if (threads.stream().noneMatch(m -> m.key().equals(key))) threads.add(meta);
      threads.sort(java.util.Comparator.comparing((SessionMeta m) -> !m.key().id().equals(session))
          .thenComparing(SessionMeta::turns, java.util.Comparator.reverseOrder()));
      JsonArray listed = new JsonArray();
      TurnUsage sum = TurnUsage.NONE;
      for (SessionMeta m : threads) {
        listed.add(new JsonObject().put("id", m.key().id()).put("main", m.key().id().equals(session))
            .put("turns", m.turns()).put("messageCount", m.messageCount()).put("tokens", m.tokens())
            .put("updated", String.valueOf(m.updated())).put("usage", usageJson(m.usage())));
        sum = sum.plus(m.usage());
      }
      return out.put("threads", listed).put("sessionUsage", usageJson(sum));
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
        int by = CheckpointLookup.supersededBy(all, seq);
        Checkpoint replacing = by > 0 ? all.get(by - 1) : null;
        if (replacing != null && replacing.kind().replacesHistory()
            && !ContextView.readsHistory(replacing.contextView())) {
          // a compaction or a divergence replaced them: its checkpoint holds the whole history before it, this one's
          // beginning
          List<StoredMessage> before = ContextView.messagesOf(replacing.contextView());
          return Future.succeededFuture(out.put("context", ContextView.expand(cp.contextView(),
              before.subList(0, Math.min(cp.messageCount(), before.size())))));
        }
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
        .map(m -> {
          decided(key, EventType.CHECKPOINT, "MANUAL checkpoint #" + m.checkpointCount() + " taken through the admin API"
              + (label == null ? "" : " (" + label + ")"), Map.of("kind", CheckpointKind.MANUAL.name(), "seq", m.checkpointCount()));
          return new JsonObject().put("checkpoint", m.checkpointCount()).put("meta", metaJson(m));
        }), 201);
  }

  private void forkSession(RoutingContext ctx, AdminParams p) {
    SessionKey session = p.session();
    int from = p.bodyInt("fromCheckpoint", 1, Integer.MAX_VALUE, "a checkpoint seq");
    String newId = p.bodySessionId("newId", null);
    withSession(ctx, session, (key, meta) -> {
      // a fork's default name is the source's plus a suffix, which may take it past the id's length
      SessionKey to = new SessionKey(key.tenant(), newId != null ? newId : forkId(key.id()));
      return store.get().fork(key, from, to).map(m -> {
        decided(key, EventType.FORK, "forked at checkpoint #" + from + " into session " + to.id() + " through the admin API",
            Map.of("fork", to.id(), "seq", from));
        decided(to, EventType.FORK, "forked from " + key.id() + " at checkpoint #" + from + " through the admin API",
            Map.of("from", key.id(), "seq", from));
        return new JsonObject().put("meta", metaJson(m));
      });
    }, 201);
  }

  private String forkId(String id) {
    String suffix = ".fork-" + Long.toString(clock.millis(), 36);
    return id.substring(0, Math.min(id.length(), 128 - suffix.length())) + suffix;
  }

  private void restoreSession(RoutingContext ctx, AdminParams p) {
    SessionKey session = p.session();
    int seq = p.bodyInt("checkpoint", 1, Integer.MAX_VALUE, "a checkpoint seq");
    withSession(ctx, session, (key, meta) -> store.get().restore(key, seq, meta.version()).map(m -> {
      decided(key, EventType.CHECKPOINT, "restored to checkpoint #" + seq + " through the admin API: the history is its "
          + m.messageCount() + " message(s) again (checkpoint #" + m.checkpointCount() + " marks it)",
          Map.of("kind", CheckpointKind.MANUAL.name(), "restoredTo", seq, "seq", m.checkpointCount()));
      return new JsonObject().put("meta", metaJson(m));
    }), 200);
  }

  /** A decision made through this API, in the session's events like the gateway's own. */
  private void decided(SessionKey key, EventType type, String reason, Map<String, Object> fields) {
    events.emit(new GatewayEvent(clock.instant(), type, key.tenant(), key.id(), reason, fields));
  }

  private static JsonObject metaJson(SessionMeta m) {
    String session = ThreadIds.sessionOf(m.key().id());
    return new JsonObject().put("id", m.key().id()).put("threadOf", session.equals(m.key().id()) ? null : session)
        .put("tenant", m.key().tenant()).put("protocol", m.protocol())
        .put("created", String.valueOf(m.created())).put("updated", String.valueOf(m.updated())).put("turns", m.turns())
        .put("tokens", m.tokens()).put("status", m.status()).put("agent", m.agent()).put("version", m.version())
        .put("messageCount", m.messageCount()).put("checkpointCount", m.checkpointCount()).put("forkedFrom", m.forkedFrom())
        .put("usage", usageJson(m.usage()));
  }

  /** Tokens by kind; null for a message that reported none (user turns, answers without usage). */
  private static JsonObject usageJson(TurnUsage u) {
    if (u.isEmpty()) return null;
    return new JsonObject().put("input", u.input()).put("output", u.output()).put("cacheRead", u.cacheRead())
        .put("cacheWrite", u.cacheWrite());
  }
}
