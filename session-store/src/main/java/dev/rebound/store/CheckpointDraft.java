package dev.rebound.store;

/**
 * A checkpoint to take as part of an {@link Append}. The store assigns {@code seq}, {@code at} and
 * {@code messageCount} (the message count after the append).
 *
 * @param contextView JSON text of the messages array sent upstream (see {@link Checkpoint#contextView()})
 */
public record CheckpointDraft(CheckpointKind kind, String label, String contextView, long tokens, String reason) {

  public CheckpointDraft {
    if (kind == null) throw new IllegalArgumentException("checkpoint kind is required");
    if (contextView == null) throw new IllegalArgumentException("checkpoint contextView is required (use \"[]\")");
  }
}
