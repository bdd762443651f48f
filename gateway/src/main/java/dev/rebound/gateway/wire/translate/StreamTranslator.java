package dev.rebound.gateway.wire.translate;

import dev.rebound.gateway.stream.SseEvent;
import java.util.List;

/**
 * Reads one backend stream event by event and writes what the client's format says for each, as they arrive (never
 * buffering the answer): often one event for one, sometimes none (a block's end the client's format has no word for)
 * or several (a first chunk that opens the message and a content block). An error event becomes the client's format's
 * error event, with the same type and message, so the gateway classifies it as it would the client's own provider's.
 * Not thread-safe: one per upstream attempt, fed from its event loop.
 */
public interface StreamTranslator {
  /** The client's events for one backend event, in order; empty when the client's format has nothing for it. */
  List<SseEvent> translate(SseEvent backendEvent);

  /**
   * The backend's stream ended here, cleanly or cut. When the backend had already said how the answer ends (its stop
   * reason came, the usage report that the client's format waits for did not), these are the events that end the
   * client's stream, so the gateway sees a whole answer and ends it instead of continuing a finished one. Empty
   * when the answer had not ended, or was already ended.
   */
  default List<SseEvent> upstreamEnded() {
    return List.of();
  }
}
