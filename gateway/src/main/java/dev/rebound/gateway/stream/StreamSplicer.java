package dev.rebound.gateway.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Rewrites a continuation stream so it reads as the rest of the original one (one id, one start, one terminal event),
 * by the rules of the stream's wire format ({@link StreamTranscript#splicer}).
 *
 * <p>The splicer takes what it needs from the transcript when it is created; keep observing the events it returns
 * ({@link #spliceEvents}) into that transcript, so a second cut can be continued with a new splicer. Events pass
 * through untouched (same raw) unless they must change. Error events pass as received: the gateway decides on them.
 */
public abstract class StreamSplicer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The events to send to the client for one continuation event, in order: none (drop), the event itself, a rewritten
   * one, or events the format needs first (e.g. closing a block the cut left open) followed by the event.
   */
  public abstract List<SseEvent> spliceEvents(SseEvent continuationEvent);

  /** The bytes to send to the client for one continuation event ("" = drop it). */
  public final String splice(SseEvent continuationEvent) {
    List<SseEvent> out = spliceEvents(continuationEvent);
    if (out.isEmpty()) return "";
    if (out.size() == 1) return out.get(0).raw();
    StringBuilder sb = new StringBuilder();
    for (SseEvent e : out) sb.append(e.raw());
    return sb.toString();
  }

  /** The event's data as a JSON object, null when it is none. */
  protected static ObjectNode readObject(SseEvent e) {
    JsonNode node = e.json();
    return node instanceof ObjectNode ? (ObjectNode) node : null;
  }

  protected static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e); // a tree we just parsed always serializes
    }
  }

  /** Adds to a count the continuation reports, so it covers the whole answer. */
  protected static void add(ObjectNode node, String field, int amount) {
    JsonNode value = node.get(field);
    if (value != null && value.canConvertToLong()) node.put(field, value.asLong() + amount);
  }
}
