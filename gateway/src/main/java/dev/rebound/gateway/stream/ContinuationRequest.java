package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What every format's continuation request (the upstream request that asks for the rest of a cut answer, built by
 * {@code WireFormat.continuation}) starts from: the original request with its output limits lowered.
 */
public final class ContinuationRequest {
  /** A continuation must still be allowed to say something, however much the original already used. */
  static final int MIN_MAX_TOKENS = 16;

  private ContinuationRequest() {}

  /**
   * The original request with max_tokens / max_completion_tokens lowered by {@link StreamTranscript#outputTokensEstimate()}
   * (never below 16) when present; stream and every unknown field are kept. The result shares unchanged sub-trees with
   * {@code originalBody} (messages can be megabytes): neither may be mutated afterwards, except through
   * {@link #ownMessages}.
   */
  public static ObjectNode withLimitsLowered(ObjectNode originalBody, StreamTranscript transcript) {
    ObjectNode body = originalBody.objectNode(); // shallow copy: only what changes gets new nodes
    body.setAll(originalBody);
    int used = transcript.outputTokensEstimate();
    lower(body, "max_tokens", used);
    lower(body, "max_completion_tokens", used);
    return body;
  }

  /** A new messages array for the body (the same message nodes), for the continuation to add to or change. */
  public static ArrayNode ownMessages(ObjectNode body) {
    ArrayNode messages = body.arrayNode();
    JsonNode original = body.get("messages");
    if (original != null && original.isArray()) messages.addAll((ArrayNode) original);
    body.set("messages", messages);
    return messages;
  }

  private static void lower(ObjectNode body, String field, int used) {
    JsonNode limit = body.get(field);
    if (limit == null || !limit.canConvertToInt()) return;
    body.put(field, Math.max(MIN_MAX_TOKENS, limit.asInt() - used));
  }
}
