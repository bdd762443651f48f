package dev.rebound.gateway.admin;

import static dev.rebound.gateway.admin.AdminReplies.ok;
import static dev.rebound.gateway.admin.AdminReplies.storeFailed;

import dev.rebound.gateway.pipeline.ThreadIds;
import dev.rebound.gateway.routes.TurnFeedback;
import dev.rebound.store.SessionKey;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * POST /admin/feedback: a vote on one answer of a session, named by its turn or by the id the client got for it, with
 * a score in [-1, 1] and an optional note. The vote moves the score of the agent that answered, on that kind of task,
 * and is stored as a {@code feedback} event of the session ({@link TurnFeedback}).
 */
final class FeedbackApi {
  private final TurnFeedback feedback;

  FeedbackApi(TurnFeedback feedback) {
    this.feedback = feedback;
  }

  void mount(AdminMount mount) {
    mount.post("/admin/feedback", this::vote);
  }

  private void vote(RoutingContext ctx, AdminParams p) {
    String tenant = p.tenant();
    String session = p.bodySessionId("session", null);
    if (session == null) throw new AdminParams.Rejected(400, "session (the id of the session the answer is in) is required.");
    boolean byTurn = p.body().containsKey("turn");
    boolean byId = p.body().containsKey("responseId");
    if (byTurn == byId) {
      throw new AdminParams.Rejected(400, "Name the answer by exactly one of turn (its turn in the session, from 1) or"
          + " responseId (the id the client got with it)" + (byTurn ? ", not both." : "."));
    }
    Integer turn = byTurn ? p.bodyInt("turn", 1, Integer.MAX_VALUE, "the answer's turn in the session") : null;
    String responseId = byId ? p.bodyString("responseId", null, 256) : null;
    if (byId && (responseId == null || responseId.isBlank())) {
      throw AdminParams.bad("responseId", responseId, "the id the client got with the answer (a non-empty string)");
    }
    double score = p.bodyNumber("score", -1, 1, "the vote: -1 bad, 0 neutral, +1 good, or any number between");
    String note = p.bodyString("note", null, TurnFeedback.MAX_NOTE);
    // a thread's turns are recorded among its session's events
    String base = ThreadIds.sessionOf(session);
    SessionKey key = new SessionKey(tenant, base);
    String thread = base.equals(session) ? null : session;
    String requestId = ctx.request().getHeader("x-request-id");
    feedback.vote(key, thread, turn, responseId, score, note, TurnFeedback.Source.ADMIN, requestId).onComplete(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof TurnFeedback.NotFound nf) AdminAuth.deny(ctx, 404, nf.getMessage());
        else storeFailed(ctx, ar.cause());
        return;
      }
      TurnFeedback.Answer a = ar.result();
      ok(ctx, new JsonObject().put("tenant", tenant).put("session", base).put("thread", a.thread()).put("turn", a.turn())
          .put("responseId", a.responseId()).put("agent", a.agent()).put("task", a.task()).put("score", score)
          .put("note", note));
    });
  }
}
