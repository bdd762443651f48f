package dev.rebound.gateway.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.ContinuationRequest;
import dev.rebound.gateway.stream.StreamTranscript;

/**
 * Messages continues by prefill: the original messages + an assistant message holding the partial text, its trailing
 * whitespace stripped (the API rejects it; see {@link #trimmedSuffix}). A client prefill already in the last assistant
 * message is extended, not repeated. {@code thinking} is removed because the API does not allow prefill with extended
 * thinking. With no text so far, the request is the original one (a plain retry).
 */
final class AnthropicContinuation {
  private AnthropicContinuation() {}

  static ObjectNode of(ObjectNode original, StreamTranscript transcript) {
    ObjectNode body = ContinuationRequest.withLimitsLowered(original, transcript);
    String partial = transcript.partialText().stripTrailing();
    if (partial.isEmpty()) return body;
    ArrayNode messages = ContinuationRequest.ownMessages(body);
    body.remove("thinking");
    prefill(messages, partial);
    return body;
  }

  /**
   * The trailing whitespace of the partial text that the prefill leaves out. The client already has it, so the
   * splicer drops it when the continuation repeats it.
   */
  static String trimmedSuffix(StreamTranscript transcript) {
    String partial = transcript.partialText();
    return partial.substring(partial.stripTrailing().length());
  }

  /** Continues the last assistant message: extends a client prefill rather than adding a second turn. */
  private static void prefill(ArrayNode messages, String partial) {
    int last = messages.size() - 1;
    JsonNode message = last < 0 ? null : messages.get(last);
    if (message == null || !"assistant".equals(message.path("role").textValue())) {
      messages.addObject().put("role", "assistant").put("content", partial);
      return;
    }
    ObjectNode extended = message.deepCopy();
    JsonNode content = extended.get("content");
    if (content != null && content.isTextual()) {
      extended.put("content", content.textValue() + partial);
    } else if (content != null && content.isArray()) {
      ArrayNode blocks = (ArrayNode) content;
      JsonNode tail = blocks.size() == 0 ? null : blocks.get(blocks.size() - 1);
      if (tail != null && "text".equals(tail.path("type").textValue())) {
        ((ObjectNode) tail).put("text", tail.path("text").asText("") + partial);
      } else {
        blocks.addObject().put("type", "text").put("text", partial);
      }
    } else {
      extended.put("content", partial);
    }
    messages.set(last, extended);
  }
}
