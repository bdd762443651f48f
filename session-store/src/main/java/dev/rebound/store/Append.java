package dev.rebound.store;

import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * One atomic write to a session.
 *
 * @param expectedVersion the version the caller last saw (0 for a new session); a mismatch fails the write with
 *                        {@link StaleWriteException}
 * @param messages        appended in order; may be empty (a checkpoint- or meta-only write)
 * @param replacePartial  if the last stored message is partial, the first new message replaces it (a streaming
 *                        answer is saved every few seconds, then once more complete)
 * @param checkpoint      nullable; its messageCount is the count after this append
 * @param meta            nullable
 * @param expectedCreated nullable; when set, the write also fails with {@link StaleWriteException} unless the session
 *                        is the one created at that time: a caller that knows a session without reading it first
 *                        thus cannot write into another session of the same id (deleted and created again) whose
 *                        version happens to match
 * @param history         nullable; the complete messages the writer knows the session to hold before this write,
 *                        produced only when needed: to replay the write after an outage or to reconcile it after a
 *                        stale failure ({@link HistoryReconciler}), so a replay is idempotent and a session whose
 *                        stored head vanished is rebuilt whole instead of stored as a tail
 */
public record Append(
    long expectedVersion,
    List<NewMessage> messages,
    boolean replacePartial,
    CheckpointDraft checkpoint,
    MetaChange meta,
    Instant expectedCreated,
    Supplier<List<NewMessage>> history,
    boolean replaceHistory) {

  public Append {
    if (expectedVersion < 0) throw new IllegalArgumentException("expectedVersion must be >= 0");
    messages = messages == null ? List.of() : List.copyOf(messages);
  }

  public Append(long expectedVersion, List<NewMessage> messages, boolean replacePartial, CheckpointDraft checkpoint,
      MetaChange meta, Instant expectedCreated, Supplier<List<NewMessage>> history) {
    this(expectedVersion, messages, replacePartial, checkpoint, meta, expectedCreated, history, false);
  }

  public static Append of(long expectedVersion, NewMessage... messages) {
    return new Append(expectedVersion, List.of(messages), false, null, null, null, null);
  }

  /** The same write, its messages replacing the whole stored message list (see {@code replaceHistory}). */
  public Append replacingHistory() {
    return new Append(expectedVersion, messages, false, checkpoint, meta, expectedCreated, history, true);
  }

  public Append replacingPartial() {
    return new Append(expectedVersion, messages, true, checkpoint, meta, expectedCreated, history, replaceHistory);
  }

  public Append withCheckpoint(CheckpointDraft draft) {
    return new Append(expectedVersion, messages, replacePartial, draft, meta, expectedCreated, history, replaceHistory);
  }

  public Append withMeta(MetaChange change) {
    return new Append(expectedVersion, messages, replacePartial, checkpoint, change, expectedCreated, history,
        replaceHistory);
  }

  /** The same write, only to the session of this id created at {@code created} (null: any). */
  public Append ofSessionCreated(Instant created) {
    return new Append(expectedVersion, messages, replacePartial, checkpoint, meta, created, history, replaceHistory);
  }

  /**
   * The same write against another version (used when replaying queued writes in order); whichever session of the id
   * is there now, since the versions and times the caller saw were provisional.
   */
  public Append atVersion(long version) {
    return new Append(version, messages, replacePartial, checkpoint, meta, null, history, replaceHistory);
  }

  /** The same write, knowing the history it extends (see {@code history}). */
  public Append extending(Supplier<List<NewMessage>> history) {
    return new Append(expectedVersion, messages, replacePartial, checkpoint, meta, expectedCreated, history, replaceHistory);
  }

  /** The effective meta change (never null). */
  public MetaChange metaOrNone() {
    return meta == null ? MetaChange.none() : meta;
  }
}
