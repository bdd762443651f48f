package dev.rebound.gateway.wire.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.ContinuationRequest;
import dev.rebound.gateway.stream.StreamTranscript;

/**
 * Chat Completions has no prefill: the original messages + the partial text as an assistant message + a user message
 * asking to go on ({@link #INSTRUCTION}). With no text so far, the request is the original one (a plain retry).
 */
final class OpenAiContinuation {
  static final String INSTRUCTION =
      "Continue your previous answer exactly where it stopped. Do not repeat anything you already wrote and do not add any preamble.";

  private OpenAiContinuation() {}

  static ObjectNode of(ObjectNode original, StreamTranscript transcript) {
    ObjectNode body = ContinuationRequest.withLimitsLowered(original, transcript);
    String partial = transcript.partialText();
    if (partial.isEmpty()) return body;
    ArrayNode messages = ContinuationRequest.ownMessages(body);
    messages.addObject().put("role", "assistant").put("content", partial);
    messages.addObject().put("role", "user").put("content", INSTRUCTION);
    return body;
  }
}
