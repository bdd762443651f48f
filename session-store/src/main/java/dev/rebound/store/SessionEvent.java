package dev.rebound.store;

import java.time.Instant;

/**
 * One decision recorded in a session's event stream (route chosen, retry, truncation, checkpoint...).
 *
 * @param id   assigned by the store, increasing within a session (a Redis stream id, or a counter in the embedded
 *             store); opaque to callers except to pass back as {@code afterId}
 * @param json details as JSON text, nullable
 */
public record SessionEvent(String id, Instant at, String type, String reason, String json) {}
