package dev.rebound.gateway.http;

import dev.rebound.gateway.wire.Endpoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Anthropic Messages: {@code POST /v1/messages} and {@code POST /v1/messages/count_tokens}. */
public final class AnthropicFrontDoor extends FrontDoor {
  @Override
  protected void validate(ObjectNode json, Endpoint endpoint) {
    ArrayNode messages = requiredMessages(json);
    for (int i = 0; i < messages.size(); i++) {
      JsonNode content = messages.get(i).get("content");
      String at = "messages[" + i + "].content";
      if (content == null || content.isNull()) throw missing(at);
      if (!content.isTextual() && !content.isArray()) throw wrongType(at, "a string or an array of content blocks");
    }
    JsonNode system = json.get("system");
    if (system != null && !system.isNull() && !system.isTextual() && !system.isArray()) {
      throw wrongType("system", "a string or an array of text blocks");
    }
    if (endpoint == Endpoint.MESSAGES && (json.get("max_tokens") == null || json.get("max_tokens").isNull())) {
      throw missing("max_tokens");
    }
    optionalInteger(json, "max_tokens", MIN_TOKENS, MAX_TOKENS);
    JsonNode tools = json.get("tools");
    if (tools != null && !tools.isNull() && !tools.isArray()) throw wrongType("tools", "an array");
  }
}
