package dev.rebound.store;

import java.util.List;

/**
 * Finds the checkpoint a fork or restore starts from and checks that its messages still exist. Restores rewind the
 * history, so a checkpoint taken before a rewind to fewer messages points at messages that were dropped or replaced;
 * such a rewind always leaves a later checkpoint with a smaller messageCount (restore adds one), which is the test.
 * A compaction or a divergence replaces the whole message list and takes a COMPACTED or DIVERGED checkpoint: every
 * checkpoint before it counts messages that were replaced (that checkpoint's context view holds them).
 */
public final class CheckpointLookup {

  private CheckpointLookup() {}

  /**
   * @param all every checkpoint of the session, in seq order
   * @throws CheckpointSupersededException when a later rewind replaced messages the checkpoint counts
   */
  public static Checkpoint usable(SessionKey key, List<Checkpoint> all, int seq) {
    if (seq < 1 || seq > all.size()) throw new SessionNotFoundException(key, seq);
    int by = supersededBy(all, seq);
    if (by > 0) throw new CheckpointSupersededException(key, seq, by);
    return all.get(seq - 1);
  }

  /**
   * The seq of the first later checkpoint that rewound the history below checkpoint {@code seq}, or that replaced it
   * whole (a {@link CheckpointKind#COMPACTED} or {@link CheckpointKind#DIVERGED} one: the messages it counts were
   * replaced since), or 0 when none did.
   */
  public static int supersededBy(List<Checkpoint> all, int seq) {
    Checkpoint target = all.get(seq - 1);
    for (Checkpoint later : all.subList(seq, all.size())) {
      if (later.messageCount() < target.messageCount() || later.kind().replacesHistory()) return later.seq();
    }
    return 0;
  }

  /** The reason recorded on a fork's first checkpoint and its {@code forkedFrom} value. */
  static String forkReason(SessionKey from, int seq) {
    return "forked from " + from + "@" + seq;
  }

  static String forkedFrom(SessionKey from, int seq) {
    return from.id() + "@" + seq;
  }

  static String restoreReason(int seq) {
    return "restored to #" + seq;
  }

  /** A fork's meta: the source's protocol and agent, the turns and usage of the history it carries. */
  static MetaChange forkMeta(SessionMeta source, List<StoredMessage> history) {
    TurnUsage carried = TurnUsage.sumOf(history);
    return new MetaChange(source.protocol(), source.agent(), SessionMeta.ACTIVE, turnsIn(history), carried.total(),
        carried);
  }

  /**
   * The turns delta of a rewind to {@code keep} of the {@code all} stored messages: the session then counts the turns
   * of what it keeps, plus those a compaction summarised before them (counted in {@code turns} but no longer stored).
   */
  static int turnsDeltaOfRewind(int turns, List<StoredMessage> all, int keep) {
    int summarised = Math.max(0, turns - turnsIn(all));
    return summarised + turnsIn(all.subList(0, Math.min(keep, all.size()))) - turns;
  }

  /** Completed turns carried into a fork: its assistant messages. */
  static int turnsIn(List<StoredMessage> messages) {
    return (int) messages.stream().filter(m -> "assistant".equals(m.role()) && !m.partial()).count();
  }
}
