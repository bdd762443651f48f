package dev.rebound.store;

import java.time.Instant;

/**
 * A numbered point in a session's history.
 *
 * @param seq          1, 2, 3... in the order taken; checkpoints are never removed (restore adds one)
 * @param messageCount number of stored messages at that point (history = messages [0, messageCount))
 * @param contextView  JSON text: the messages array actually sent upstream at that point; it may differ from the
 *                     stored history when the context was truncated, which is why it is kept verbatim
 * @param label        nullable (WORKFLOW checkpoints carry the client's label)
 */
public record Checkpoint(
    int seq,
    CheckpointKind kind,
    String label,
    int messageCount,
    String contextView,
    long tokens,
    Instant at,
    String reason) {}
