package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;
import static dev.rebound.gateway.admin.AdminReplies.storeFailed;

import dev.rebound.store.ResponseJob;
import dev.rebound.store.ResponseJobStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * /admin/responses/background: background responses (every tenant's, newest first) with their deadline, runs, replays
 * and attempts; one of them with the decisions logged about it (waits, retries, fallbacks, failures, replays).
 */
final class BackgroundJobsApi {
  private final Supplier<ResponseJobStore> store;
  private final Clock clock;

  BackgroundJobsApi(Supplier<ResponseJobStore> store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  void mount(AdminMount mount) {
    mount.get("/admin/responses/background", (ctx, p) -> {
      int limit = p.queryInt("limit", 50, 1, 1000);
      ResponseJobStore s = store.get();
      if (s == null) {
        AdminAuth.deny(ctx, 503, "The gateway has not opened its store yet.");
        return;
      }
      s.list(limit).onComplete(ar -> {
        if (ar.failed()) {
          storeFailed(ctx, ar.cause());
          return;
        }
        JsonArray jobs = new JsonArray();
        for (ResponseJob j : ar.result()) jobs.add(json(j));
        ok(ctx, new JsonObject().put("jobs", jobs));
      });
    });
    mount.get("/admin/responses/background/:id", (ctx, p) -> {
      String id = ctx.pathParam("id");
      ResponseJobStore s = store.get();
      if (s == null) {
        AdminAuth.deny(ctx, 503, "The gateway has not opened its store yet.");
        return;
      }
      s.find(id).compose(j -> j == null ? io.vertx.core.Future.succeededFuture((JsonObject) null)
              : s.notes(id).map(notes -> {
                JsonArray decisions = new JsonArray();
                for (String n : notes) decisions.add(new JsonObject(n));
                return json(j).put("decisions", decisions);
              }))
          .onComplete(ar -> {
            if (ar.failed()) storeFailed(ctx, ar.cause());
            else if (ar.result() == null) AdminAuth.deny(ctx, 404, "No background response '" + id + "' is kept.");
            else ok(ctx, ar.result());
          });
    });
  }

  private JsonObject json(ResponseJob j) {
    JsonObject o = new JsonObject().put("id", j.id()).put("tenant", j.tenant()).put("status", j.status())
        .put("sessionId", j.sessionId()).put("createdAt", j.createdAt().toString())
        .put("deadline", j.deadline().toString())
        .put("deadlineInMs", Math.max(0, Duration.between(clock.instant(), j.deadline()).toMillis()))
        .put("runs", j.runs()).put("replays", Math.max(0, j.runs() - 1)).put("attempts", j.attempts())
        .put("events", j.events()).put("owner", j.owner()).put("reason", j.reason());
    if (j.leaseUntil() != null) o.put("leaseUntil", j.leaseUntil().toString());
    if (j.notBefore() != null && ResponseJob.QUEUED.equals(j.status())) o.put("notBefore", j.notBefore().toString());
    return o;
  }
}
