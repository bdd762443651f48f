package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The order of the request pipeline, both ways, written in one place. Each step is one concern; the way in runs them
 * top to bottom, the way out bottom to top, then the reply's end goes to the client.
 *
 * <pre>
 *                   way in                                          way out
 *   TenantAuth      proxy key -> tenant
 *   ResponseState   previous_response_id: its history    keep the response by id (Responses API; after the turn
 *                   prepended, its session bound          is stored, before the client sees the end)
 *   SessionJournal  bind the session; store the user turn           store the assistant turn (or the partial one)
 *   ContextGuard    count the prompt (routing, the window fit)
 *   RoutePlanner    rules -> ranked agents (the attempt plan)       note which agent served the session (handoff)
 *   AttemptLoop     permit -> fit -> call -> decide -> act, relaying the answer; decides the {@link Result}
 * </pre>
 *
 * A step that fails on the way in ends the request with its error; the steps before it still run on the way out.
 */
public final class Pipeline {
  private static final Logger LOG = Logger.getLogger(Pipeline.class.getName());

  private final Vertx vertx;
  private final FailureClassifier classifier;
  private final List<Step> steps;

  /** @param responses the Responses API's state by id (responses.ResponseState) */
  public Pipeline(Vertx vertx, FailureClassifier classifier, TenantAuth auth, Step responses, SessionJournal sessions,
      ContextGuard context, RoutePlanner planner, AttemptLoop attempts) {
    this.vertx = vertx;
    this.classifier = classifier;
    this.steps = List.of(auth, responses, sessions, context, planner, attempts);
  }

  /** Completes once the reply's end was written (or the client is gone). */
  public Future<Void> run(Exchange ex) {
    ex.replyWith(new Reply(ex.channel(), vertx, ex.format(), ex.stream(), ex.json(),
        e -> classifier.classifyStreamEvent(e.event(), e.data()), ex.record()));
    if (ex.responseId() != null) ex.reply().respondAs(ex.responseId());
    ex.reply().resumeAfter(ex.resumedEvents());
    List<Step> entered = new ArrayList<>(steps.size());
    Future<Void> in = Future.succeededFuture();
    for (Step step : steps) {
      in = in.compose(v -> {
        if (ex.result() != null) return Future.succeededFuture();
        entered.add(step);
        return step.onRequest(ex);
      });
    }
    return in.transform(ar -> {
          if (ar.failed()) ex.end(failed(ex, ar.cause()));
          else if (ex.result() == null) ex.end(failed(ex, new IllegalStateException("no step decided how the request ends")));
          return wayOut(ex, entered);
        })
        .andThen(v -> write(ex));
  }

  private Future<Void> wayOut(Exchange ex, List<Step> entered) {
    Future<Void> out = Future.succeededFuture();
    for (int i = entered.size() - 1; i >= 0; i--) {
      Step step = entered.get(i);
      out = out.compose(v -> step.onResponse(ex)).recover(err -> {
        // the answer matters more than any bookkeeping on the way out
        LOG.log(Level.SEVERE, step.getClass().getSimpleName() + " failed on the way out", err);
        return Future.succeededFuture();
      });
    }
    return out;
  }

  private static Result failed(Exchange ex, Throwable err) {
    if (err instanceof GatewayException g) return new Result.Failed(g.error());
    LOG.log(Level.SEVERE, "pipeline failed on " + ex.endpoint().path(), err);
    return new Result.Failed(ClientError.internal("The gateway failed unexpectedly (" + err
        + "); this is a bug in Rebound. Retry the request."));
  }

  /** The reply's end, after every step had its way out. */
  static void write(Exchange ex) {
    Reply reply = ex.reply();
    Result r = ex.result();
    if (r instanceof Result.Answered a) reply.answer(a.status(), a.headers(), a.body());
    else if (r instanceof Result.Streamed) reply.end();
    else if (r instanceof Result.PassedOn p) reply.answer(p.status(), p.headers(), p.body());
    else if (r instanceof Result.Failed f) reply.fail(f.error());
    else reply.stopKeepAlive(); // the client is gone: nothing to write
  }
}
