package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.sessions.ContextView;
import dev.rebound.gateway.sessions.SessionCache;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.store.Append;
import dev.rebound.store.CheckpointDraft;
import dev.rebound.store.CheckpointKind;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.HistoryReconciler;
import dev.rebound.store.MetaChange;
import dev.rebound.store.NewMessage;
import dev.rebound.store.SessionMeta;
import dev.rebound.store.StaleWriteException;
import dev.rebound.store.TurnUsage;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The way out of the {@link SessionJournal}: stores the assistant turn when the answer is complete, before the client sees its end, so a client that
 * disconnects right after the last byte still finds the turn; every {@code autoEvery} turns with an AUTO checkpoint.
 * A store failure never holds the answer back: the turn is then reported as unrecorded.
 */
final class Checkpointer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CheckpointStore store;
  private final SessionCache cache;
  private final Clock clock;
  private final int autoEvery;

  Checkpointer(CheckpointStore store, SessionCache cache, Clock clock, int autoEvery) {
    this.store = store;
    this.cache = cache;
    this.clock = clock;
    this.autoEvery = Math.max(1, autoEvery);
  }

  /**
   * Stores a whole (non-stream) answer's assistant message as the turn's end; the body is read only when there is a
   * session to store it in.
   */
  Future<Void> answered(Exchange ex, AgentDefinition agent, Buffer body) {
    if (ex.session() == null) return Future.succeededFuture();
    com.fasterxml.jackson.databind.JsonNode answer;
    try {
      answer = JSON.readTree(body.getBytes());
    } catch (java.io.IOException e) {
      answer = null;
    }
    String message = answer == null ? null : ex.format().answeredMessage(answer);
    String id = answer == null ? null : answer.path("id").textValue();
    return answered(ex, agent, message, ex.usageOfAnswer(body), id);
  }

  /** The usage an answer reported, as the store keeps it. */
  static TurnUsage stored(TokenUsage usage) {
    if (usage == null || usage.isEmpty()) return TurnUsage.NONE;
    return new TurnUsage(Math.max(0, usage.input()), Math.max(0, usage.output()), Math.max(0, usage.cacheRead()),
        Math.max(0, usage.cacheWrite()));
  }

  /**
   * Saves the answer streamed so far as a partial assistant turn (replacing the previous partial), so a crash leaves
   * it marked partial. Skipped while an earlier save is still being written: the next tick carries newer text anyway.
   */
  void partial(Exchange ex, String assistantJson) {
    if (ex.sessionWrites().inFlight()) return;
    lastPartial(ex, assistantJson);
  }

  /** Saves the answer as it stood when it stopped (the client left mid-stream): queued behind any write in flight. */
  void lastPartial(Exchange ex, String assistantJson) {
    // a re-asked turn has a stored answer: a partial of another one must not follow it
    if (ex.session() == null || assistantJson == null || ex.session().reasked()) return;
    ex.sessionWrites().after(() -> {
      SessionTurn turn = ex.session();
      Append append = Append.of(turn.version(), NewMessage.partial("assistant", assistantJson)).replacingPartial()
          .extending(turn.history());
      return store.append(turn.key(), append)
          .onSuccess(meta -> {
            ex.bound(turn.at(meta.version()));
            cache.advance(turn.key(), turn.version(), meta.version(), 0, List.of());
          })
          .<Void>mapEmpty()
          .recover(err -> Future.succeededFuture());
    });
  }

  /**
   * An ERROR checkpoint whose context view is exactly the messages sent to {@code agent} after the context step cut
   * them ({@link ContextView}): the stored history stays whole, the checkpoint says what the model saw.
   */
  void contextSent(Exchange ex, AgentDefinition agent, ContextFit.Send sent, String why) {
    if (ex.session() == null) return;
    // which stored messages went, not copies of them: a long session cut every turn would store its window each time
    var layout = ex.format().layout();
    JsonNode messages = layout.conversation(sent.json());
    // where the session groups the conversation's items (Responses), indexes of items would name the wrong messages
    String view = sent.sources() != null && layout.sessionMessagesAreConversation()
        ? ContextView.sentFrom(sent.sources(), messages) : messages.toString();
    ex.sessionWrites().errorCheckpointTaken = true;
    ex.sessionWrites().after(() -> {
      SessionTurn turn = ex.session();
      Append append = Append.of(turn.version())
          .withCheckpoint(new CheckpointDraft(CheckpointKind.ERROR, null, view, sent.promptTokens(), why))
          .extending(turn.history());
      return store.append(turn.key(), append)
          .onSuccess(meta -> {
            ex.bound(turn.at(meta.version()));
            cache.advance(turn.key(), turn.version(), meta.version(), 0, List.of());
            ex.emit(EventType.CHECKPOINT, "ERROR checkpoint before sending a cut context to " + agent.name(),
                Map.of("agent", agent.name(), "version", meta.version(), "kind", CheckpointKind.ERROR.name()));
          })
          .<Void>mapEmpty()
          .recover(err -> Future.succeededFuture());
    });
  }

  /**
   * An ERROR checkpoint of the turn as stored, taken when the request is tried again (a retry, a fallback): the point to
   * go back to if what follows goes wrong. Once per request, and not after a cut context took one already.
   */
  void beforeRiskyStep(Exchange ex, GatewayEvent step) {
    SessionJournal.Writes writes = ex.sessionWrites();
    if (ex.session() == null || writes == null || writes.errorCheckpointTaken || ex.session().reasked()) return;
    writes.errorCheckpointTaken = true;
    String why = "turn " + ex.session().turn() + ", before a " + step.type().id() + ": " + step.reason();
    writes.after(() -> {
      SessionTurn turn = ex.session();
      Append append = Append.of(turn.version())
          .withCheckpoint(new CheckpointDraft(CheckpointKind.ERROR, null, ContextView.SENT_AS_STORED, 0, why))
          .extending(turn.history());
      return store.append(turn.key(), append)
          .onSuccess(meta -> {
            ex.bound(turn.at(meta.version()));
            cache.advance(turn.key(), turn.version(), meta.version(), 0, List.of());
            ex.emit(EventType.CHECKPOINT, "ERROR checkpoint of turn " + turn.turn() + " before a " + step.type().id(),
                Map.of("version", meta.version(), "kind", CheckpointKind.ERROR.name()));
          })
          .<Void>mapEmpty()
          .recover(err -> Future.succeededFuture());
    });
  }

  /**
   * The session moved while the answer was made (another gateway stored the same turn, the store restarted empty):
   * the turn is stored by what it means, once, with its history rebuilt if the store lost it.
   */
  private Future<SessionMeta> reconciled(Exchange ex, AgentDefinition agent, SessionTurn turn, Append append) {
    // what this gateway remembers of the session no longer holds: the next turn reads the store
    cache.forget(turn.key());
    return HistoryReconciler.reconcile(store, turn.key(), append, append.history().get()).map(r -> {
      ex.emit(EventType.CHECKPOINT, switch (r.outcome()) {
        case ALREADY_STORED -> "the assistant turn was already stored";
        case APPENDED -> "the session had moved; stored the turn with the " + r.appended() + " message(s) it lacked";
        case ANSWERED_ELSEWHERE -> "another answer to the same turn is stored already; it stands (stored once)";
      }, Map.of("agent", agent.name(), "reconciled", r.outcome().name()));
      return r.meta();
    });
  }

  /** Stores the assistant turn of a stream with the usage its answer reported. */
  Future<Void> answered(Exchange ex, AgentDefinition agent, String assistantJson, TokenUsage reported) {
    return answered(ex, agent, assistantJson, reported, ex.reply() == null ? null : ex.reply().transcript().responseId());
  }

  /**
   * What the stored turn's event says of it: the agent, the turn, its kind of task and the id the client got, so that
   * feedback on the turn (by number or by that id) finds who answered it and on what.
   */
  private static Map<String, Object> turnFields(Exchange ex, AgentDefinition agent, SessionTurn turn, long version,
      String responseId) {
    Map<String, Object> fields = new java.util.LinkedHashMap<>();
    fields.put("agent", agent.name());
    fields.put("version", version);
    fields.put("turn", turn.turn());
    // a thread's turns are numbered in the thread, and its events written with the session's
    if (!turn.key().id().equals(ex.sessionId())) fields.put("thread", turn.key().id());
    if (ex.plan() != null && ex.plan().featuresKnown()) fields.put("task", ex.plan().features().domain());
    if (responseId != null) fields.put("responseId", responseId);
    return fields;
  }

  /**
   * Stores the assistant turn with the usage its answer reported; {@code responseId}: the answer's id, or null. A user
   * turn still waiting to be stored goes in the same write.
   */
  private Future<Void> answered(Exchange ex, AgentDefinition agent, String assistantJson, TokenUsage reported,
      String responseId) {
    if (ex.session() == null) return Future.succeededFuture();
    // nothing to store as the answer: the question still is
    if (assistantJson == null) return ex.sessionWrites().storeUserTurn();
    TurnUsage usage = stored(reported);
    return ex.sessionWrites().answer(userTurn -> store(ex, agent, assistantJson, usage, responseId, userTurn)
        .recover(err -> {
          ex.emit(EventType.SESSION_UNRECORDED, "the assistant turn could not be stored: " + err.getMessage(),
              Map.of("agent", agent.name()));
          return Future.succeededFuture();
        }));
  }

  /** Stores the answer; with {@code userTurn} (when not null) in the same write. */
  private Future<Void> store(Exchange ex, AgentDefinition agent, String assistantJson, TurnUsage usage,
      String responseId, UserTurn userTurn) {
    SessionTurn turn = ex.session();
    // a request bound again on the way out may have found no session to store its turn in (it said so)
    if (turn == null) return Future.succeededFuture();
    boolean auto = turn.turn() % autoEvery == 0;
    NewMessage answer = NewMessage.of("assistant", assistantJson).withUsage(usage);
    Append append;
    if (userTurn == null) {
      append = Append.of(turn.version(), answer)
          .replacingPartial()
          .withMeta(MetaChange.answered(ex.protocol().id(), agent.name(), SessionMeta.ACTIVE, 1, usage))
          .extending(turn.history());
    } else {
      // the question and its answer in one write. The answer replaces a stored partial only when it follows the
      // stored history directly (a question asked again after a cut answer): after new messages there is none
      Append question = userTurn.append();
      List<NewMessage> both = new java.util.ArrayList<>(question.messages());
      both.add(answer);
      append = new Append(turn.version(), both, question.messages().isEmpty(), null, MetaChange.answered(
          ex.protocol().id(), agent.name(), SessionMeta.ACTIVE, question.metaOrNone().turnsDelta() + 1, usage),
          question.expectedCreated(), question.history());
    }
    if (auto) {
      append = append.withCheckpoint(new CheckpointDraft(CheckpointKind.AUTO, null, ContextView.SENT_AS_STORED, 0,
          "turn " + turn.turn() + " complete (every " + autoEvery + " turn(s))"));
    }
    Append write = append;
    // the session cache learns the question only from a write that stored it where it was aimed (one reconciled made
    // this gateway forget the session)
    Future<SessionMeta> stored = turn.reasked() ? reconciled(ex, agent, turn, write)
        : store.append(turn.key(), write).map(meta -> {
          if (userTurn != null) userTurn.stored().accept(meta);
          return meta;
        }).recover(err -> err instanceof StaleWriteException && userTurn == null
            ? reconciled(ex, agent, turn, write) : Future.failedFuture(err));
    return stored.compose(meta -> {
      ex.bound(turn.at(meta.version()));
      cache.advance(turn.key(), userTurn == null ? turn.version() : meta.version(), meta.version(), 1,
          List.of(MessageIdentity.of(assistantJson)));
      ex.emit(EventType.CHECKPOINT, "assistant turn " + turn.turn() + " stored"
          + (userTurn == null ? "" : " with its user turn (" + (write.messages().size() - 1)
          + " new message(s)) in one write" + (auto ? "," : "")) + (auto ? " with an AUTO checkpoint" : ""),
          turnFields(ex, agent, turn, meta.version(), responseId));
      return Future.<Void>succeededFuture();
    }, err -> {
      // the session moved while the answer was made and its question waited: the request is bound again, as it would
      // have been on the way in, and the answer stored after the question
      if (err instanceof StaleWriteException && userTurn != null) {
        return userTurn.rebind().get().compose(v -> store(ex, agent, assistantJson, usage, responseId, null));
      }
      return Future.failedFuture(err);
    });
  }
}
