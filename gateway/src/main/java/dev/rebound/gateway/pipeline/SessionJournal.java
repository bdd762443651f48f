package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.reply.Reply;
import dev.rebound.gateway.sessions.SessionCache;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.store.CheckpointStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A request's session, both ways: on the way in the user turn is bound ({@link SessionBinding}); while the answer
 * streams, what was said so far is saved as a partial turn now and then; on the way out the assistant turn is stored
 * before the client sees the answer's end ({@link Checkpointer}). A request that names no session passes.
 *
 * <p>A plain continuing user turn waits up to {@code userTurnWait} to be stored in one write with its answer: one store
 * round trip per turn instead of two. It is stored on its own when the wait ends first, and before any other write of
 * the request (a partial answer, an ERROR checkpoint) or when the request ends without an answer, so a question whose
 * answer is slow, cut or failed is in the session as it was when it was stored before the first attempt.
 */
public final class SessionJournal implements Step {
  /** How often a streaming answer in progress is saved as a partial turn. */
  static final long PARTIAL_SAVE_MS = 2000;

  private final Vertx vertx;
  private final SessionBinding binding;
  private final Checkpointer checkpointer;
  private final long userTurnWaitMs;

  /** @param userTurnWait how long a user turn waits for its answer to be stored with it (zero: it does not wait) */
  public SessionJournal(Vertx vertx, CheckpointStore store, SessionCache cache, Clock clock, int autoEvery,
      Duration userTurnWait) {
    this.vertx = vertx;
    this.binding = new SessionBinding(store, cache, clock);
    this.checkpointer = new Checkpointer(store, cache, clock, autoEvery);
    this.userTurnWaitMs = userTurnWait.toMillis();
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    if (ex.sessionId() == null) return Future.succeededFuture();
    // the binding may leave the user turn here, to be stored with the answer
    Writes writes = new Writes(userTurnWaitMs > 0);
    ex.sessionWrites(writes);
    return binding.bind(ex).onFailure(err -> ex.sessionWrites(null)).map(v -> {
      if (ex.session() == null) {
        ex.sessionWrites(null);
        return null;
      }
      if (writes.userTurn != null) {
        writes.userTurnTimer = vertx.setTimer(userTurnWaitMs, id -> writes.storeUserTurn());
      }
      Reply reply = ex.reply();
      reply.keepAssistantMessage();
      // a retry or fallback takes an ERROR checkpoint of the turn as stored (its question stored first)
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
    if (writes.userTurnTimer >= 0) vertx.cancelTimer(writes.userTurnTimer);
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
    // no answer to store it with: the question is stored on its own, as it would have been before the first attempt
    return writes.storeUserTurn();
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
   * One request's session writes, run one after the other so each sees the version the last one left: the user turn
   * (unless it waits for its answer), then checkpoints, partial saves and the assistant turn queue here. Used on the
   * request's event loop only.
   */
  static final class Writes {
    private Future<Void> last = Future.succeededFuture();
    private long partialSaver = -1;
    private String lastSaved = "";
    /** An ERROR checkpoint was taken for this request (one is enough: the history it marks is the same). */
    boolean errorCheckpointTaken;
    /** Whether the binding may leave the user turn to be stored with the answer. */
    private boolean userTurnMayWait;
    /** The user turn while it waits to be stored; null once it is (or is being) stored, or when it did not wait. */
    private UserTurn userTurn;
    private long userTurnTimer = -1;
    /** The assistant turn's write is queued: it takes the user turn if that still waits when it runs. */
    private boolean answerQueued;

    Writes(boolean userTurnMayWait) {
      this.userTurnMayWait = userTurnMayWait;
    }

    boolean userTurnMayWait() {
      return userTurnMayWait;
    }

    /** A binding from now on stores its user turn at once (one made again on the way out has nothing to wait for). */
    void noMoreWaiting() {
      userTurnMayWait = false;
    }

    /** The binding leaves the user turn to be stored with the request's first session write. */
    void userTurnWaits(UserTurn turn) {
      userTurn = turn;
    }

    /** Queues {@code write} after the writes before it; a user turn still waiting is stored first, on its own. */
    Future<Void> after(Supplier<Future<Void>> write) {
      storeUserTurn();
      last = last.transform(ar -> write.get());
      return last;
    }

    /**
     * Queues the write of the assistant turn: given the user turn when it still waits (to be stored in the same write),
     * else null.
     */
    Future<Void> answer(Function<UserTurn, Future<Void>> write) {
      answerQueued = true;
      // taken when the write runs: a user turn whose own write failed before it is back by then
      last = last.transform(ar -> {
        UserTurn waiting = userTurn;
        userTurn = null;
        return write.apply(waiting);
      });
      return last;
    }

    /**
     * Stores the user turn on its own if it still waits and no answer is queued to take it. A write that fails puts it
     * back to wait for the next one, so an answer is never stored without its question.
     */
    Future<Void> storeUserTurn() {
      UserTurn waiting = userTurn;
      if (waiting == null || answerQueued) return last;
      userTurn = null;
      last = last.transform(ar -> waiting.storeAlone().recover(err -> {
        if (userTurn == null) userTurn = waiting;
        return Future.succeededFuture();
      }));
      return last;
    }

    boolean inFlight() {
      return !last.isComplete();
    }
  }
}
