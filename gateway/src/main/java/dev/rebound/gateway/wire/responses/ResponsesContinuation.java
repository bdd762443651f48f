package dev.rebound.gateway.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.ContinuationRequest;
import dev.rebound.gateway.stream.StreamTranscript;

/**
 * Responses has no prefill: the original input + the partial text as an assistant message item + a user message
 * asking to go on (the same instruction as Chat Completions), max_output_tokens lowered by what was already said.
 * With no text so far, the request is the original one (a plain retry).
 */
final class ResponsesContinuation {
  static final String INSTRUCTION =
      "Continue your previous answer exactly where it stopped. Do not repeat anything you already wrote and do not add any preamble.";

  private ResponsesContinuation() {}

  static ObjectNode of(ObjectNode original, StreamTranscript transcript) {
    ObjectNode body = ContinuationRequest.withLimitsLowered(original, transcript);
    JsonNode limit = body.get("max_output_tokens");
    if (limit != null && limit.canConvertToInt()) {
      body.put("max_output_tokens", Math.max(16, limit.asInt() - transcript.outputTokensEstimate()));
    }
    String partial = transcript.partialText();
    if (partial.isEmpty()) return body;
    ArrayNode input = body.arrayNode();
    JsonNode given = original.get("input");
    if (given != null && given.isTextual()) input.addObject().put("role", "user").put("content", given.textValue());
    else if (given != null && given.isArray()) input.addAll((ArrayNode) given);
    ObjectNode said = input.addObject().put("type", "message").put("role", "assistant");
    said.putArray("content").addObject().put("type", "output_text").put("text", partial);
    input.addObject().put("role", "user").put("content", INSTRUCTION);
    body.set("input", input);
    return body;
  }
}
