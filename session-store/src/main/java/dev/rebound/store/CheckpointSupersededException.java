package dev.rebound.store;

/**
 * fork / restore named a checkpoint whose messages are gone: a later restore rewound the history below that
 * checkpoint's message count, so the messages it points at were dropped or replaced.
 */
public class CheckpointSupersededException extends IllegalStateException {

  public CheckpointSupersededException(SessionKey key, int seq, int supersededBy) {
    super("checkpoint #" + seq + " of session " + key + " was superseded by the rewind recorded in checkpoint #"
        + supersededBy);
  }
}
