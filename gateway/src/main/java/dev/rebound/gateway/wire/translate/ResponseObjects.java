package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/** The pieces of a Responses {@code response} object and its items, shared by whole answers and streams. */
final class ResponseObjects {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Request fields a response repeats, as OpenAI's does (SDKs read them back from the response). */
  private static final String[] ECHOED = {"instructions", "max_output_tokens", "parallel_tool_calls", "reasoning",
      "temperature", "text", "tool_choice", "tools", "top_p", "truncation", "metadata", "store", "user",
      "prompt_cache_key", "previous_response_id"};

  private ResponseObjects() {}

  /** A new item or response id with the prefix OpenAI uses for it (resp_, msg_, fc_, rs_, ctc_). */
  static String id(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "");
  }

  /** The response id for a backend's id (chatcmpl-..., msg_...), so one answer keeps one id in the logs. */
  static String responseId(String backendId) {
    if (backendId == null || backendId.isEmpty()) return id("resp_");
    String bare = backendId.startsWith("chatcmpl-") ? backendId.substring("chatcmpl-".length()) : backendId;
    return "resp_" + bare;
  }

  /** A response object in the given status, with the request's settings echoed and no output yet. */
  static ObjectNode response(String id, long createdAt, String model, String status, JsonNode clientRequest) {
    ObjectNode r = NODES.objectNode().put("id", id).put("object", "response").put("created_at", createdAt)
        .put("status", status);
    r.putNull("error");
    r.putNull("incomplete_details");
    r.put("model", model);
    r.putArray("output");
    for (String field : ECHOED) {
      JsonNode v = clientRequest == null ? null : clientRequest.get(field);
      if (v != null) r.set(field, v.deepCopy());
    }
    if (!r.has("tools")) r.putArray("tools");
    if (!r.has("tool_choice")) r.put("tool_choice", "auto");
    if (!r.has("parallel_tool_calls")) r.put("parallel_tool_calls", true);
    r.putNull("usage");
    return r;
  }

  /** Sets the final status from a Chat finish_reason: length and content_filter make an incomplete response. */
  static String finish(ObjectNode response, String finishReason) {
    String incomplete = finishReason == null ? null : switch (finishReason) {
      case "length" -> "max_output_tokens";
      case "content_filter" -> "content_filter";
      default -> null;
    };
    if (incomplete == null) {
      response.put("status", "completed");
      return "response.completed";
    }
    response.put("status", "incomplete");
    response.putObject("incomplete_details").put("reason", incomplete);
    return "response.incomplete";
  }

  /** Chat Completions' usage in Responses' words (cached tokens stay inside input_tokens, as both count them). */
  static ObjectNode usage(JsonNode chat) {
    long prompt = chat == null ? 0 : chat.path("prompt_tokens").asLong(0);
    long cached = chat == null ? 0 : chat.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long output = chat == null ? 0 : chat.path("completion_tokens").asLong(0);
    long reasoning = chat == null ? 0 : chat.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
    ObjectNode u = NODES.objectNode().put("input_tokens", prompt);
    u.putObject("input_tokens_details").put("cached_tokens", cached);
    u.put("output_tokens", output);
    u.putObject("output_tokens_details").put("reasoning_tokens", reasoning);
    u.put("total_tokens", prompt + output);
    return u;
  }

  static ObjectNode message(String id, String status, String text) {
    ObjectNode item = NODES.objectNode().put("id", id).put("type", "message").put("status", status)
        .put("role", "assistant");
    ArrayNode content = item.putArray("content");
    if (text != null) content.add(textPart(text));
    return item;
  }

  static ObjectNode textPart(String text) {
    ObjectNode part = NODES.objectNode().put("type", "output_text").put("text", text);
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  static ObjectNode reasoning(String id, String summary) {
    ObjectNode item = NODES.objectNode().put("id", id).put("type", "reasoning");
    ArrayNode parts = item.putArray("summary");
    if (summary != null) parts.addObject().put("type", "summary_text").put("text", summary);
    return item;
  }

  /**
   * A tool call item: a function_call (with its namespace when the tool is in one), or for a custom (freeform) tool a
   * custom_tool_call whose input is the text the function form carried in its one argument.
   */
  static ObjectNode toolCall(String itemId, String callId, ResponsesTools.Declared tool, String arguments, String status) {
    ObjectNode item = NODES.objectNode().put("id", itemId).put("type", tool.custom() ? "custom_tool_call" : "function_call")
        .put("status", status).put("call_id", callId);
    if (tool.namespace() != null) item.put("namespace", tool.namespace());
    item.put("name", tool.name());
    if (tool.custom()) item.put("input", customInput(arguments));
    else item.put("arguments", arguments);
    return item;
  }

  /** The text a custom tool's function form carried ({"input": "..."}); the arguments as they are when not so. */
  static String customInput(String arguments) {
    ObjectNode parsed = ChatToMessagesRequest.toolInput(NODES.textNode(arguments));
    JsonNode input = parsed.get(ResponsesToChatRequest.CUSTOM_INPUT);
    if (input != null && input.isTextual()) return input.textValue();
    JsonNode raw = parsed.get("_raw");
    return raw != null && raw.isTextual() ? raw.textValue() : arguments;
  }
}
