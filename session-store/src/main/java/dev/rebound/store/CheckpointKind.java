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
  COMPACTED
}
