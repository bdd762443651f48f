package dev.rebound.store;

import java.time.Instant;
import java.util.List;

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
 */
public record Append(
    long expectedVersion,
    List<NewMessage> messages,
    boolean replacePartial,
    CheckpointDraft checkpoint,
    MetaChange meta,
    Instant expectedCreated) {

  public Append {
    if (expectedVersion < 0) throw new IllegalArgumentException("expectedVersion must be >= 0");
    messages = messages == null ? List.of() : List.copyOf(messages);
  }

  public static Append of(long expectedVersion, NewMessage... messages) {
    return new Append(expectedVersion, List.of(messages), false, null, null, null);
  }

  public Append replacingPartial() {
    return new Append(expectedVersion, messages, true, checkpoint, meta, expectedCreated);
  }

  public Append withCheckpoint(CheckpointDraft draft) {
    return new Append(expectedVersion, messages, replacePartial, draft, meta, expectedCreated);
  }

  public Append withMeta(MetaChange change) {
    return new Append(expectedVersion, messages, replacePartial, checkpoint, change, expectedCreated);
  }

  /** The same write, only to the session of this id created at {@code created} (null: any). */
  public Append ofSessionCreated(Instant created) {
    return new Append(expectedVersion, messages, replacePartial, checkpoint, meta, created);
  }

  /**
   * The same write against another version (used when replaying queued writes in order); whichever session of the id
   * is there now, since the versions and times the caller saw were provisional.
   */
  public Append atVersion(long version) {
    return new Append(version, messages, replacePartial, checkpoint, meta, null);
  }

  /** The effective meta change (never null). */
  public MetaChange metaOrNone() {
    return meta == null ? MetaChange.none() : meta;
  }
}
