package dev.rebound.store;

/** Why a checkpoint was taken (DESIGN.md, "Sessions and checkpoints"). */
public enum CheckpointKind {
  /** The user turn as stored before the first upstream attempt: the point a failed turn is taken up again from. */
  PRE_ATTEMPT,
  /** Every N completed turns. */
  AUTO,
  /** Before a risky step: retry, truncation, fallback, continuation. */
  ERROR,
  /** Admin API (also used for fork and restore markers). */
  MANUAL,
  /** The client asked for it with {@code X-Rebound-Checkpoint: label}. */
  WORKFLOW,
  /**
   * The client replaced its history with a summary of it: the history goes on from the compacted one, and this
   * checkpoint's context view holds the whole history as it was before.
   */
  COMPACTED,
  /**
   * The client's history diverged from the stored one (it edited or rewound an earlier turn): the session goes on from
   * what it sent, and this checkpoint's context view holds the whole history as it was before (also kept as a fork).
   */
  DIVERGED;

  /** Whether a checkpoint of this kind replaced the session's whole message list: every checkpoint before it counts
   * messages that are gone from the session (its context view holds them). */
  public boolean replacesHistory() {
    return this == COMPACTED || this == DIVERGED;
  }
}
