package dev.rebound.gateway.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Thinking blocks without a signature: what an Anthropic client got from another provider's reasoning through the
 * gateway, and sends back in its history. Anthropic refuses a thinking block it cannot verify, so they are left out of
 * a request to an Anthropic backend.
 */
final class UnsignedThinking {
  private UnsignedThinking() {}

  /** The request without unsigned thinking blocks (a copy); null when it has none (the common case: nothing copied). */
  static ObjectNode strip(ObjectNode request) {
    JsonNode messages = request.path("messages");
    if (!messages.isArray() || !hasAny(messages)) return null;
    ObjectNode copy = request.deepCopy();
    for (JsonNode m : copy.path("messages")) {
      JsonNode content = m.path("content");
      if (!content.isArray()) continue;
      ArrayNode kept = ((ArrayNode) content).arrayNode();
      for (JsonNode block : content) if (!unsigned(block)) kept.add(block);
      ((ObjectNode) m).set("content", kept);
    }
    return copy;
  }

  private static boolean hasAny(JsonNode messages) {
    for (JsonNode m : messages) {
      if (!"assistant".equals(m.path("role").asText())) continue;
      for (JsonNode block : m.path("content")) if (unsigned(block)) return true;
    }
    return false;
  }

  private static boolean unsigned(JsonNode block) {
    return "thinking".equals(block.path("type").asText()) && block.path("signature").asText("").isEmpty();
  }
}
