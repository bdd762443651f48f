package dev.rebound.store;

import java.time.Instant;

/**
 * An event to append to a session's stream.
 *
 * @param at     when the decision was made; null: when the store writes it
 * @param reason nullable
 * @param json   details as JSON text, nullable
 */
public record NewEvent(Instant at, String type, String reason, String json) {

  public NewEvent {
    if (type == null || type.isEmpty()) throw new IllegalArgumentException("event type is required");
  }
}
