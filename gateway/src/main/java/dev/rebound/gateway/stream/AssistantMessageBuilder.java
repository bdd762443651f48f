package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Rebuilds the assistant message a stream carried, as the client will send it back in its history, by the rules of the
 * stream's wire format ({@code WireFormat.messageBuilder}). Fed the events the client received.
 */
public abstract class AssistantMessageBuilder {

  public final void observe(SseEvent e) {
    if (e.data() == null || e.isDone() || e.data().isBlank()) return;
    JsonNode data = e.json();
    if (data != null) observe(data);
  }

  /** One event's data, parsed. */
  protected abstract void observe(JsonNode data);

  /** The assistant message in the format's request shape, as JSON. */
  public abstract String message();
}
