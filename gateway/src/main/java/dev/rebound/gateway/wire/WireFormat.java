package dev.rebound.gateway.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.routing.Protocol;
import java.util.List;

/**
 * Everything the gateway knows of one wire format (a dialect): how its errors, streams and answers look. The rest of
 * the gateway asks the format instead of branching on the protocol, so a third format (OpenAI Responses) is one more
 * implementation, and translating between two formats is code that holds two of them.
 *
 * <p>One implementation per format, each in its own package: {@code wire.openai} (Chat Completions) and
 * {@code wire.anthropic} (Messages). {@link WireFormats#of} picks one.
 */
public interface WireFormat {
  Protocol protocol();

  /** The endpoint a model request of this format is sent to. */
  Endpoint endpoint();

  // --- errors the client sees

  /** The error as a whole response body in this format's shape. */
  String errorBody(ClientError error);

  /** The error as an event inside a stream that already started, so the stream never ends looking complete. */
  String errorEvent(ClientError error);

  /** Whether a parsed body is an error in this format's own shape (an upstream's words the client's SDK understands). */
  boolean isErrorBody(JsonNode body);

  // --- streams

  /** What a waiting streaming client is sent now and then so its read timeout does not fire. */
  String keepAlive();

  /** The event that ends a complete answer's stream. */
  SseEvent endOfStream();

  boolean isEndOfStream(SseEvent event);

  // --- answers

  /** The assistant message inside a whole (non-stream) answer, as JSON; null when the body has none. */
  String answeredMessage(JsonNode answer);

  /** The models listing ({@code GET /v1/models}) for these model ids. */
  ObjectNode modelsListing(List<String> ids);
}
