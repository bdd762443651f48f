package dev.rebound.gateway.http;

import dev.rebound.gateway.wire.Endpoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** OpenAI Chat Completions: {@code POST /v1/chat/completions}. */
public final class OpenAiFrontDoor extends FrontDoor {
  static final long MAX_CHOICES = 128;

  @Override
  protected void validate(ObjectNode json, Endpoint endpoint) {
    requiredMessages(json);
    optionalInteger(json, "max_tokens", MIN_TOKENS, MAX_TOKENS);
    optionalInteger(json, "max_completion_tokens", MIN_TOKENS, MAX_TOKENS);
    // the gateway waits for each of the n choices to finish; OpenAI's own limit
    optionalInteger(json, "n", 1, MAX_CHOICES);
    JsonNode options = json.get("stream_options");
    if (options != null && !options.isNull() && !options.isObject()) throw wrongType("stream_options", "an object");
    JsonNode tools = json.get("tools");
    if (tools != null && !tools.isNull() && !tools.isArray()) throw wrongType("tools", "an array");
  }
}
