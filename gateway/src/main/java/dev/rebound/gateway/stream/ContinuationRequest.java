package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;

/** The upstream request that asks for the rest of a cut answer. */
public final class ContinuationRequest {
  public static final String OPENAI_INSTRUCTION =
      "Continue your previous answer exactly where it stopped. Do not repeat anything you already wrote and do not add any preamble.";
  /** A continuation must still be allowed to say something, however much the original already used. */
  static final int MIN_MAX_TOKENS = 16;

  private ContinuationRequest() {}

  /**
   * The request for the rest of the answer the transcript holds so far.
   *
   * <p>Anthropic: the original messages + an assistant message holding the partial text as prefill, its trailing
   * whitespace stripped (the API rejects it; see {@link #trimmedSuffix}). A client prefill already in the last
   * assistant message is extended, not repeated. {@code thinking} is removed because the API does not allow prefill
   * with extended thinking. OpenAI-compatible: the original messages + the partial text as an assistant message + a
   * user message with {@link #OPENAI_INSTRUCTION}. With no text so far, the request is the original one (a plain retry).
   *
   * <p>max_tokens / max_completion_tokens are lowered by {@link StreamTranscript#outputTokensEstimate()} (never below
   * 16) when present; stream and every unknown field are kept. The result shares unchanged sub-trees with
   * {@code originalBody} (messages can be megabytes): neither may be mutated afterwards.
   */
  public static ObjectNode build(Protocol protocol, ObjectNode originalBody, StreamTranscript transcript) {
    ObjectNode body = originalBody.objectNode(); // shallow copy: only what changes gets new nodes
    body.setAll(originalBody);
    int used = transcript.outputTokensEstimate();
    lower(body, "max_tokens", used);
    lower(body, "max_completion_tokens", used);

    String partial = transcript.partialText();
    if (protocol == Protocol.ANTHROPIC) partial = partial.stripTrailing();
    if (partial.isEmpty()) return body;

    ArrayNode messages = body.arrayNode();
    JsonNode original = body.get("messages");
    if (original != null && original.isArray()) messages.addAll((ArrayNode) original);
    body.set("messages", messages);
    if (protocol == Protocol.ANTHROPIC) {
      body.remove("thinking");
      prefill(messages, partial);
    } else {
      messages.addObject().put("role", "assistant").put("content", partial);
      messages.addObject().put("role", "user").put("content", OPENAI_INSTRUCTION);
    }
    return body;
  }

  /**
   * The trailing whitespace of the partial text that the Anthropic prefill leaves out. The client already has it, so
   * the splicer drops it when the continuation repeats it. Always "" for OpenAI, whose continuation is no prefill.
   */
  public static String trimmedSuffix(Protocol protocol, StreamTranscript transcript) {
    if (protocol != Protocol.ANTHROPIC) return "";
    String partial = transcript.partialText();
    return partial.substring(partial.stripTrailing().length());
  }

  private static void lower(ObjectNode body, String field, int used) {
    JsonNode limit = body.get(field);
    if (limit == null || !limit.canConvertToInt()) return;
    body.put(field, Math.max(MIN_MAX_TOKENS, limit.asInt() - used));
  }

  /** Anthropic continues the last assistant message: extend a client prefill rather than adding a second turn. */
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
