package dev.rebound.store;

import io.vertx.core.Future;
import java.util.List;

/**
 * Session history and checkpoints, per tenant. Every method is asynchronous and reports errors through the returned
 * future (never by throwing). Implementations never block the event loop.
 *
 * <p>Concurrency is optimistic: every session has a {@code version} (0 when it does not exist), each successful
 * write increments it, and writes that carry a stale {@code expectedVersion} fail with {@link StaleWriteException}.
 *
 * <p>Sessions expire after the store's TTL without writes. A session of another tenant, an expired session and a
 * deleted session all read as missing.
 *
 * <p>Typed failures: {@link StaleWriteException}, {@link SessionExistsException}, {@link SessionNotFoundException},
 * {@link CheckpointSupersededException}, {@link StoreUnavailableException} (backend unreachable),
 * {@link IllegalArgumentException} (bad input).
 *
 * <p>A write that fails with {@link StoreUnavailableException} may still have been applied: a Redis script whose reply
 * was lost ran, and the embedded store keeps a change whose log write or fsync failed, writing it to its file at the
 * next checkpoint. Its outcome is unknown, not undone; a caller retrying it with the same {@code expectedVersion} gets
 * {@link StaleWriteException} if it was applied, so nothing is written twice.
 */
public interface CheckpointStore {

  /**
   * One atomic write: version check, append messages (honouring {@link Append#replacePartial()}), take the checkpoint,
   * update meta, refresh the TTL, update the tenant's listing. Appending with expectedVersion 0 to a missing session
   * creates it.
   */
  Future<SessionMeta> append(SessionKey key, Append append);

  /** The session's meta, or a null result when it does not exist. */
  Future<SessionMeta> meta(SessionKey key);

  /** Messages with index in [from, toExclusive), clamped to the stored range; empty when the session is missing. */
  Future<List<StoredMessage>> messages(SessionKey key, int from, int toExclusive);

  /** All checkpoints in seq order; empty when the session is missing. */
  Future<List<Checkpoint>> checkpoints(SessionKey key);

  /** One checkpoint, or a null result. */
  Future<Checkpoint> checkpoint(SessionKey key, int seq);

  /**
   * Creates {@code to} with the messages of {@code from} up to checkpoint {@code checkpointSeq} and a copy of that
   * checkpoint as seq 1 (kind MANUAL, reason "forked from tenant/id@seq"); {@code forkedFrom} = "id@seq".
   * Fails with {@link SessionExistsException} when {@code to} exists, {@link SessionNotFoundException} when the
   * source or checkpoint does not.
   */
  Future<SessionMeta> fork(SessionKey from, int checkpointSeq, SessionKey to);

  /**
   * Rewinds the session to a checkpoint: keeps messages [0, checkpoint.messageCount), keeps every checkpoint and adds
   * a MANUAL one "restored to #seq" carrying that checkpoint's contextView. Version-checked like {@link #append}.
   */
  Future<SessionMeta> restore(SessionKey key, int checkpointSeq, long expectedVersion);

  /** Removes the session with its messages, checkpoints and events; true when something was removed. */
  Future<Boolean> delete(SessionKey key);

  /** The tenant's sessions, most recently updated first. */
  Future<List<SessionMeta>> list(String tenant, int offset, int limit);

  /**
   * Adds events to the session's stream in one write (capped at the store's maxEvents, oldest dropped) and returns
   * their ids in order. Works for a session that has no messages yet. Refreshes the session's TTL.
   */
  Future<List<String>> appendEvents(SessionKey key, List<NewEvent> events);

  /** One event, written now; {@code reason} and {@code json} are nullable. */
  default Future<String> appendEvent(SessionKey key, String type, String reason, String json) {
    NewEvent event;
    try {
      event = new NewEvent(null, type, reason, json);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return appendEvents(key, List.of(event)).map(ids -> ids.get(0));
  }

  /** Events with id after {@code afterId} (null: from the oldest kept), oldest first, at most {@code limit}. */
  Future<List<SessionEvent>> events(SessionKey key, String afterId, int limit);

  /**
   * Keeps a Responses API response (replacing one of the same id in the tenant), durably: a client told of the
   * response id may continue from it at once, through any gateway on the same store. Expires after the store's TTL.
   */
  Future<Void> putResponse(StoredResponse response);

  /** The tenant's response of that id, or a null result (never kept, deleted, expired, or an id no response has). */
  Future<StoredResponse> response(String tenant, String responseId);

  /** Removes the tenant's response of that id (not the session turn it answered); true when one was there. */
  Future<Boolean> deleteResponse(String tenant, String responseId);

  /** Succeeds when the backend answers; fails fast (with {@link StoreUnavailableException}) when it does not. */
  Future<Void> ping();

  /**
   * Succeeds once everything this store has answered so far is as durable as an answered write (on the embedded
   * store: fsynced); a write a reader already sees may not be yet. Replays ask it before they count a write the
   * store already held as stored.
   */
  Future<Void> durable();

  Future<Void> close();
}
