package dev.rebound.mockllm;

import com.knuddels.jtokkit.api.Encoding;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Anthropic Messages ({@code POST /v1/messages}), wording taken from real responses. */
final class AnthropicDialect implements Dialect {

  static final AnthropicDialect INSTANCE = new AnthropicDialect();

  private AnthropicDialect() {
  }

  /**
   * Reads a Messages request. {@code max_tokens} is required by the real API but optional here, so
   * callers that leave it out still get an answer (without the max_tokens window check).
   */
  @Override
  public ChatRequest read(JsonObject body, TokenCounter tokens) {
    if (!(body.getValue("model") instanceof String model) || model.isEmpty()) {
      throw new InvalidRequestException("model: Field required", "model");
    }
    Object rawMessages = body.getValue("messages");
    if (rawMessages == null) {
      throw new InvalidRequestException("messages: Field required", "messages");
    }
    if (!(rawMessages instanceof JsonArray messages)) {
      throw new InvalidRequestException("messages: Input should be a valid list", "messages");
    }
    if (messages.isEmpty()) {
      throw new InvalidRequestException("messages: at least one message is required", "messages");
    }
    Encoding encoding = tokens.encodingFor(model);
    int promptTokens = TokenCounter.REPLY_PRIMING;
    Object system = body.getValue("system");
    if (system instanceof String || system instanceof JsonArray) {
      promptTokens += tokens.message(encoding, system);
    }
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message) || !(message.getValue("role") instanceof String)) {
        throw new InvalidRequestException("messages." + i + ".role: Field required", "messages");
      }
      promptTokens += tokens.message(encoding, message);
    }
    // A prefill is answered as the conversation before it would be, continuing from the prefill.
    String partial = prefill(messages.getJsonObject(messages.size() - 1));
    int end = partial == null ? messages.size() : messages.size() - 1;
    JsonObject last = end == 0 ? null : messages.getJsonObject(end - 1);
    String lastUserText = null;
    for (int i = end - 1; i >= 0 && lastUserText == null; i--) {
      if ("user".equals(messages.getJsonObject(i).getValue("role"))) {
        lastUserText = text(messages.getJsonObject(i).getValue("content"));
      }
    }
    JsonArray tools = body.getValue("tools") instanceof JsonArray t && !t.isEmpty() ? t : null;
    if (tools != null) {
      promptTokens += tokens.json(encoding, tools);
    }
    boolean stream = Boolean.TRUE.equals(body.getValue("stream"));
    ChatRequest.Tool tool = tools == null || isToolResult(last) ? null : chooseTool(tools, body.getValue("tool_choice"));
    // A conversation that would call a tool is answered as usual, not continued.
    return new ChatRequest(model, stream, false, maxTokens(body), tool, lastUserText, promptTokens,
        tool == null ? partial : null);
  }

  /** The text of a trailing assistant message (a string or text blocks only), or null if it is not a prefill. */
  private static String prefill(JsonObject message) {
    if (!"assistant".equals(message.getValue("role"))) {
      return null;
    }
    Object content = message.getValue("content");
    if (content instanceof String s) {
      return s;
    }
    if (!(content instanceof JsonArray blocks)) {
      return null;
    }
    StringBuilder text = new StringBuilder();
    for (Object block : blocks) {
      if (!(block instanceof JsonObject b) || !"text".equals(b.getValue("type"))
          || !(b.getValue("text") instanceof String t)) {
        return null;
      }
      text.append(t);
    }
    return text.toString();
  }

  private static Integer maxTokens(JsonObject body) {
    Object value = body.getValue("max_tokens");
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidRequestException("max_tokens: Input should be a valid integer", "max_tokens");
    }
    long n = ((Number) value).longValue();
    if (n < 1) {
      throw new InvalidRequestException("max_tokens: Input should be greater than or equal to 1", "max_tokens");
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  /** A tool result comes back as a user message holding a tool_result block. */
  private static boolean isToolResult(JsonObject message) {
    if (message == null || !"user".equals(message.getValue("role"))
        || !(message.getValue("content") instanceof JsonArray blocks)) {
      return false;
    }
    for (Object block : blocks) {
      if (block instanceof JsonObject b && "tool_result".equals(b.getValue("type"))) {
        return true;
      }
    }
    return false;
  }

  /** tool_choice {type: none} answers with text, {type: tool, name} calls that tool, else the first tool. */
  private static ChatRequest.Tool chooseTool(JsonArray tools, Object toolChoice) {
    JsonObject choice = toolChoice instanceof JsonObject c ? c : new JsonObject();
    if ("none".equals(choice.getValue("type"))) {
      return null;
    }
    String forced = "tool".equals(choice.getValue("type")) && choice.getValue("name") instanceof String n ? n : null;
    for (Object item : tools) {
      if (item instanceof JsonObject tool && tool.getValue("name") instanceof String name
          && (forced == null || forced.equals(name))) {
        return new ChatRequest.Tool(name, tool.getValue("input_schema") instanceof JsonObject s ? s : null);
      }
    }
    if (forced != null) {
      throw new InvalidRequestException("tool_choice: tool '" + forced + "' not found in tools", "tool_choice");
    }
    return null;
  }

  /** Text of a user turn: its text blocks, or failing those the text inside its tool results. */
  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    if (!(content instanceof JsonArray blocks)) {
      return "";
    }
    StringBuilder text = new StringBuilder();
    StringBuilder toolResults = new StringBuilder();
    for (Object block : blocks) {
      if (block instanceof JsonObject b) {
        if ("text".equals(b.getValue("type")) && b.getValue("text") instanceof String t) {
          text.append(text.length() == 0 ? "" : " ").append(t);
        } else if ("tool_result".equals(b.getValue("type"))) {
          String inner = text(b.getValue("content"));
          toolResults.append(toolResults.length() == 0 ? "" : " ").append(inner);
        }
      }
    }
    return text.length() > 0 ? text.toString() : toolResults.toString();
  }

  @Override
  public String malformedBodyMessage() {
    return "There was an issue with your request body: it is not valid JSON.";
  }

  @Override
  public JsonObject invalidRequest(String message, String param) {
    return error("invalid_request_error", message);
  }

  @Override
  public JsonObject promptTooLong(int window, int promptTokens) {
    return invalidRequest("prompt is too long: " + promptTokens + " tokens > " + window + " maximum", null);
  }

  @Override
  public JsonObject promptPlusOutputTooLong(int window, int promptTokens, int maxTokens) {
    return invalidRequest("input length and `max_tokens` exceed context limit: " + promptTokens + " + " + maxTokens
        + " > " + window + ", decrease input length or `max_tokens` and try again", null);
  }

  @Override
  public JsonObject errorForStatus(int status, String model) {
    return switch (status) {
      case 400 -> error("invalid_request_error", "Invalid request.");
      case 401 -> error("authentication_error", "invalid x-api-key");
      case 403 -> error("permission_error", "Your API key does not have permission to use the specified resource.");
      case 404 -> error("not_found_error", "model: " + (model == null ? "unknown" : model));
      case 413 -> error("request_too_large", "Request exceeds the maximum allowed number of bytes.");
      case 429 -> error("rate_limit_error", "This request would exceed the rate limit for your organization"
          + " (mock-org) of 50 requests per minute. For details, refer to:"
          + " https://docs.anthropic.com/en/api/rate-limits. You can see the response headers for current usage."
          + " Please reduce the prompt length or the maximum tokens requested, or try again later.");
      case 500 -> error("api_error", "Internal server error");
      case 503 -> error("api_error", "Service Unavailable");
      case 529 -> error("overloaded_error", "Overloaded");
      default -> error(status >= 500 ? "api_error" : "invalid_request_error", "The server returned HTTP " + status + ".");
    };
  }

  private static JsonObject error(String type, String message) {
    return new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message));
  }

  @Override
  public JsonObject completion(ChatRequest request, ReplyPlan plan) {
    JsonObject block = plan.toolCall() == null
        ? new JsonObject().put("type", "text").put("text", plan.text())
        : new JsonObject().put("type", "tool_use").put("id", Ids.next("toolu_"))
            .put("name", plan.toolCall().name())
            .put("input", new JsonObject(plan.toolCall().argumentsJson()));
    return message(request, plan.completionTokens())
        .put("content", new JsonArray().add(block))
        .put("stop_reason", stopReason(plan.stop()));
  }

  @Override
  public SseScript stream(ChatRequest request, ReplyPlan plan) {
    JsonObject start = message(request, 1).put("content", new JsonArray()).put("stop_reason", null);
    JsonObject block = plan.toolCall() == null
        ? new JsonObject().put("type", "text").put("text", "")
        : new JsonObject().put("type", "tool_use").put("id", Ids.next("toolu_"))
            .put("name", plan.toolCall().name()).put("input", new JsonObject());
    String head = SseScript.event("message_start",
            new JsonObject().put("type", "message_start").put("message", start).encode())
        + SseScript.event("content_block_start", new JsonObject().put("type", "content_block_start")
            .put("index", 0).put("content_block", block).encode())
        + SseScript.event("ping", "{\"type\": \"ping\"}");

    // Deltas are the hot path: a fixed frame around the piece instead of a JsonObject per chunk.
    String deltaStart = plan.toolCall() == null
        ? "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
        : "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":";
    List<String> chunks = new ArrayList<>(plan.pieces().size());
    for (String piece : plan.pieces()) {
      chunks.add(SseScript.event("content_block_delta", deltaStart + Json.encode(piece) + "}}"));
    }

    String tail = SseScript.event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
        + SseScript.event("message_delta", new JsonObject().put("type", "message_delta")
            .put("delta", new JsonObject().put("stop_reason", stopReason(plan.stop())).put("stop_sequence", null))
            .put("usage", new JsonObject().put("output_tokens", plan.completionTokens())).encode())
        + SseScript.event("message_stop", "{\"type\":\"message_stop\"}");
    return new SseScript(head, chunks, tail);
  }

  /** The message envelope shared by the full answer and message_start; field order as the API sends it. */
  private static JsonObject message(ChatRequest request, int outputTokens) {
    return new JsonObject()
        .put("id", Ids.next("msg_"))
        .put("type", "message")
        .put("role", "assistant")
        .put("model", request.model())
        .put("content", null)
        .put("stop_reason", null)
        .put("stop_sequence", null)
        .put("usage", new JsonObject()
            .put("input_tokens", request.promptTokens())
            .put("cache_creation_input_tokens", 0)
            .put("cache_read_input_tokens", 0)
            .put("output_tokens", outputTokens));
  }

  private static String stopReason(ReplyPlan.Stop stop) {
    return switch (stop) {
      case END_TURN -> "end_turn";
      case MAX_TOKENS -> "max_tokens";
      case TOOL_USE -> "tool_use";
    };
  }

  @Override
  public JsonObject defaultStreamError() {
    return errorForStatus(529, null);
  }

  @Override
  public String streamErrorEvent(JsonObject data) {
    return SseScript.event("error", data.encode());
  }

  @Override
  public int streamErrorStatus() {
    return 529;
  }
}
