package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.sessions.SessionCache;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.store.CheckpointStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * A request's session, both ways: on the way in the user turn is bound and stored ({@link SessionBinding}); while the
 * answer streams, what was said so far is saved as a partial turn now and then; on the way out the assistant turn is
 * stored before the client sees the answer's end ({@link Checkpointer}). A request that names no session passes.
 */
public final class SessionJournal implements Step {
  /** How often a streaming answer in progress is saved as a partial turn. */
  static final long PARTIAL_SAVE_MS = 2000;

  private final Vertx vertx;
  private final SessionBinding binding;
  private final Checkpointer checkpointer;

  public SessionJournal(Vertx vertx, CheckpointStore store, SessionCache cache, Clock clock, int autoEvery) {
    this.vertx = vertx;
    this.binding = new SessionBinding(store, cache, clock);
    this.checkpointer = new Checkpointer(store, cache, clock, autoEvery);
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    return binding.bind(ex).map(v -> {
      if (ex.session() == null) return null;
      Writes writes = new Writes();
      ex.sessionWrites(writes);
      Reply reply = ex.reply();
      reply.keepAssistantMessage();
      // the user turn's checkpoint says "before the first attempt"; a retry or fallback makes it an ERROR point
      if (ex.record() != null) ex.record().onRiskyStep(e -> checkpointer.beforeRiskyStep(ex, e));
      if (ex.stream()) {
        // a crash mid-answer then leaves what was said, marked partial
        writes.partialSaver = vertx.setPeriodic(PARTIAL_SAVE_MS, id -> savePartial(ex, writes));
      }
      return null;
    });
  }

  @Override
  public Future<Void> onResponse(Exchange ex) {
    Writes writes = ex.sessionWrites();
    if (writes == null) return Future.succeededFuture();
    if (writes.partialSaver >= 0) vertx.cancelTimer(writes.partialSaver);
    Reply reply = ex.reply();
    Result r = ex.result();
    if (r instanceof Result.Answered a) return checkpointer.answered(ex, a.agent(), a.body());
    if (r instanceof Result.Streamed s) {
      return checkpointer.answered(ex, s.agent(), reply.assistantMessage(), reply.transcript().usage());
    }
    if (r instanceof Result.ClientGone g && g.answerWhole()) {
      return checkpointer.answered(ex, g.agent(), reply.assistantMessage(), reply.transcript().usage());
    }
    if (r instanceof Result.ClientGone g && g.keepPartial()) checkpointer.lastPartial(ex, reply.assistantMessage());
    return Future.succeededFuture();
  }

  /**
   * An ERROR checkpoint whose context view is exactly the messages the context step sent to {@code agent}, stored
   * before they are sent.
   */
  public void contextSent(Exchange ex, AgentDefinition agent, ContextFit.Send sent, String why) {
    checkpointer.contextSent(ex, agent, sent, why);
  }

  private void savePartial(Exchange ex, Writes writes) {
    String text = ex.reply().transcript().partialText();
    if (text.isEmpty() || text.equals(writes.lastSaved)) return;
    writes.lastSaved = text;
    checkpointer.partial(ex, ex.reply().assistantMessage());
  }

  /**
   * One request's session writes, run one after the other so each sees the version the last one left: the user turn's
   * binding is done before any of them, then checkpoints, partial saves and the assistant turn queue here.
   */
  static final class Writes {
    private Future<Void> last = Future.succeededFuture();
    private long partialSaver = -1;
    private String lastSaved = "";
    /** An ERROR checkpoint was taken for this request (one is enough: the history it marks is the same). */
    boolean errorCheckpointTaken;

    Future<Void> after(Supplier<Future<Void>> write) {
      last = last.transform(ar -> write.get());
      return last;
    }

    boolean inFlight() {
      return !last.isComplete();
    }
  }
}
