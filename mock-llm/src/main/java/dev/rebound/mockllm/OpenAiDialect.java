package dev.rebound.mockllm;

import com.knuddels.jtokkit.api.Encoding;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** OpenAI Chat Completions ({@code POST /v1/chat/completions}), wording taken from real responses. */
final class OpenAiDialect implements Dialect {

  static final OpenAiDialect INSTANCE = new OpenAiDialect();

  private static final String FINGERPRINT = "fp_mock";
  /** How the gateway's continuation instruction starts, lower-cased. */
  private static final String CONTINUE_INSTRUCTION = "continue your previous answer";

  private OpenAiDialect() {
  }

  @Override
  public ChatRequest read(JsonObject body, TokenCounter tokens) {
    if (!(body.getValue("model") instanceof String model) || model.isEmpty()) {
      throw new InvalidRequestException("you must provide a model parameter", null);
    }
    Object rawMessages = body.getValue("messages");
    if (rawMessages == null) {
      throw new InvalidRequestException("Missing required parameter: 'messages'.", "messages");
    }
    if (!(rawMessages instanceof JsonArray messages)) {
      throw new InvalidRequestException("Invalid type for 'messages': expected an array of objects, but got "
          + jsonType(rawMessages) + " instead.", "messages");
    }
    if (messages.isEmpty()) {
      throw new InvalidRequestException("Invalid 'messages': empty array. Expected an array with minimum length 1,"
          + " but got an empty array instead.", "messages");
    }
    Encoding encoding = tokens.encodingFor(model);
    int promptTokens = TokenCounter.REPLY_PRIMING;
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message) || !(message.getValue("role") instanceof String)) {
        throw new InvalidRequestException("Invalid type for 'messages[" + i + "]': expected an object with a 'role'.",
            "messages[" + i + "]");
      }
      promptTokens += tokens.message(encoding, message);
    }
    // A continuation is answered as the conversation before the partial answer would be.
    String partial = partialAnswer(messages);
    int end = partial == null ? messages.size() : messages.size() - 2;
    String lastRole = end == 0 ? null : messages.getJsonObject(end - 1).getString("role");
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
    boolean includeUsage = stream && body.getValue("stream_options") instanceof JsonObject options
        && Boolean.TRUE.equals(options.getValue("include_usage"));
    boolean answersToolResult = "tool".equals(lastRole) || "function".equals(lastRole);
    ChatRequest.Tool tool = tools == null || answersToolResult ? null : chooseTool(tools, body.getValue("tool_choice"));
    // A conversation that would call a tool is answered as usual, not continued.
    return new ChatRequest(model, stream, includeUsage, maxTokens(body), tool, lastUserText, promptTokens,
        tool == null ? partial : null);
  }

  /**
   * The partial answer P when the messages end with {@code [..., {assistant, P}, {user, "Continue your
   * previous answer ..."}]} (the instruction the gateway sends after a cut stream), else null.
   */
  private static String partialAnswer(JsonArray messages) {
    int n = messages.size();
    if (n < 2) {
      return null;
    }
    JsonObject assistant = messages.getJsonObject(n - 2);
    JsonObject instruction = messages.getJsonObject(n - 1);
    if (!"assistant".equals(assistant.getValue("role")) || assistant.getValue("tool_calls") != null
        || !"user".equals(instruction.getValue("role"))) {
      return null;
    }
    String asked = text(instruction.getValue("content")).stripLeading().toLowerCase(Locale.ROOT);
    if (!asked.startsWith(CONTINUE_INSTRUCTION)) {
      return null;
    }
    Object content = assistant.getValue("content");
    if (content instanceof String s) {
      return s;
    }
    if (!(content instanceof JsonArray parts)) {
      return null;
    }
    StringBuilder partial = new StringBuilder();
    for (Object part : parts) {
      if (!(part instanceof JsonObject p) || !(p.getValue("text") instanceof String t)) {
        return null;
      }
      partial.append(t);
    }
    return partial.toString();
  }

  /** Newer clients send max_completion_tokens; older ones max_tokens. */
  private static Integer maxTokens(JsonObject body) {
    String key = body.containsKey("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    Object value = body.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidRequestException("Invalid type for '" + key + "': expected an integer, but got "
          + jsonType(value) + " instead.", key);
    }
    long n = ((Number) value).longValue();
    if (n < 1) {
      throw new InvalidRequestException("Invalid '" + key + "': integer below minimum value. Expected a value >= 1,"
          + " but got " + n + " instead.", key);
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  /** tool_choice "none" answers with text; a named function is called; otherwise the first function. */
  private static ChatRequest.Tool chooseTool(JsonArray tools, Object toolChoice) {
    if ("none".equals(toolChoice)) {
      return null;
    }
    String forced = toolChoice instanceof JsonObject choice && choice.getValue("function") instanceof JsonObject f
        && f.getValue("name") instanceof String name ? name : null;
    for (Object item : tools) {
      if (item instanceof JsonObject tool && tool.getValue("function") instanceof JsonObject function
          && function.getValue("name") instanceof String name && (forced == null || forced.equals(name))) {
        return new ChatRequest.Tool(name, function.getValue("parameters") instanceof JsonObject p ? p : null);
      }
    }
    if (forced != null) {
      throw new InvalidRequestException("Invalid value for 'tool_choice': function '" + forced
          + "' is not one of the provided tools.", "tool_choice");
    }
    return null;
  }

  /** Content is a string or an array of parts; only text parts are echoed. */
  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder text = new StringBuilder();
    if (content instanceof JsonArray parts) {
      for (Object part : parts) {
        if (part instanceof JsonObject p && p.getValue("text") instanceof String t) {
          text.append(text.length() == 0 ? "" : " ").append(t);
        }
      }
    }
    return text.toString();
  }

  @Override
  public String malformedBodyMessage() {
    return "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP"
        + " library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you"
        + " have trouble figuring out how to fix this, please contact us through our help center at"
        + " help.openai.com.)";
  }

  @Override
  public JsonObject invalidRequest(String message, String param) {
    return error(message, "invalid_request_error", param, null);
  }

  @Override
  public JsonObject promptTooLong(int window, int promptTokens) {
    return error("This model's maximum context length is " + window + " tokens. However, your messages resulted in "
        + promptTokens + " tokens. Please reduce the length of the messages.",
        "invalid_request_error", "messages", "context_length_exceeded");
  }

  /** vLLM's wording: OpenAI-compatible servers are where this check usually bites. */
  @Override
  public JsonObject promptPlusOutputTooLong(int window, int promptTokens, int maxTokens) {
    return error("This model's maximum context length is " + window + " tokens. However, you requested "
        + ((long) promptTokens + maxTokens) + " tokens (" + promptTokens + " in the messages, " + maxTokens
        + " in the completion). Please reduce the length of the messages or completion.",
        "BadRequestError", null, 400);
  }

  @Override
  public JsonObject errorForStatus(int status, String model) {
    String name = model == null ? "gpt-4o" : model;
    return switch (status) {
      case 400 -> invalidRequest("Invalid request.", null);
      case 401 -> error("Incorrect API key provided: sk-mock****. You can find your API key at"
          + " https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
      case 403 -> error("You are not allowed to sample from this model", "invalid_request_error", null, null);
      case 404 -> error("The model `" + name + "` does not exist or you do not have access to it.",
          "invalid_request_error", null, "model_not_found");
      case 429 -> error("Rate limit reached for " + name + " in organization org-mock on requests per min (RPM):"
          + " Limit 60, Used 60, Requested 1. Visit https://platform.openai.com/account/rate-limits to learn more.",
          "requests", null, "rate_limit_exceeded");
      case 500 -> error("The server had an error processing your request. Sorry about that! You can retry your"
          + " request, or contact us through our help center at help.openai.com if you keep seeing this error.",
          "server_error", null, null);
      case 503 -> error("That model is currently overloaded with other requests. You can retry your request, or"
          + " contact us through our help center at help.openai.com if the error persists.",
          "server_error", null, null);
      default -> error("The server returned HTTP " + status + ".", status >= 500 ? "server_error"
          : "invalid_request_error", null, null);
    };
  }

  private static JsonObject error(String message, String type, String param, Object code) {
    return new JsonObject().put("error", new JsonObject()
        .put("message", message).put("type", type).put("param", param).put("code", code));
  }

  @Override
  public JsonObject completion(ChatRequest request, ReplyPlan plan) {
    JsonObject message = new JsonObject().put("role", "assistant");
    if (plan.toolCall() == null) {
      message.put("content", plan.text());
    } else {
      message.put("content", null).put("tool_calls", new JsonArray().add(new JsonObject()
          .put("id", Ids.next("call_"))
          .put("type", "function")
          .put("function", new JsonObject()
              .put("name", plan.toolCall().name())
              .put("arguments", plan.toolCall().argumentsJson()))));
    }
    message.put("refusal", null);
    return new JsonObject()
        .put("id", Ids.next("chatcmpl-"))
        .put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000)
        .put("model", request.model())
        .put("choices", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("message", message)
            .put("logprobs", null)
            .put("finish_reason", finishReason(plan.stop()))))
        .put("usage", usage(request, plan))
        .put("system_fingerprint", FINGERPRINT);
  }

  /**
   * Chunks are built from a fixed prefix and suffix around each delta: the stream is the hot path of
   * the benchmark, and only the delta changes between chunks. The first chunk carries the role.
   */
  @Override
  public SseScript stream(ChatRequest request, ReplyPlan plan) {
    String prefix = "{\"id\":" + Json.encode(Ids.next("chatcmpl-"))
        + ",\"object\":\"chat.completion.chunk\",\"created\":" + System.currentTimeMillis() / 1000
        + ",\"model\":" + Json.encode(request.model())
        + ",\"system_fingerprint\":\"" + FINGERPRINT + "\",\"choices\":[{\"index\":0,\"delta\":";
    String usageNull = request.includeUsage() ? ",\"usage\":null" : "";
    String openSuffix = ",\"logprobs\":null,\"finish_reason\":null}]" + usageNull + "}";

    List<String> chunks = new ArrayList<>(plan.pieces().size());
    for (int i = 0; i < plan.pieces().size(); i++) {
      String delta = plan.toolCall() == null ? textDelta(i, plan.pieces().get(i)) : toolDelta(i, plan);
      chunks.add(SseScript.data(prefix + delta + openSuffix));
    }

    // With no content at all (a continuation with nothing left, a tiny max_tokens) the finish chunk carries the role.
    String finishDelta = chunks.isEmpty() && plan.toolCall() == null
        ? "{\"role\":\"assistant\",\"content\":\"\"}"
        : "{}";
    StringBuilder tail = new StringBuilder(SseScript.data(prefix + finishDelta
        + ",\"logprobs\":null,\"finish_reason\":"
        + Json.encode(finishReason(plan.stop())) + "}]" + usageNull + "}"));
    if (request.includeUsage()) {
      tail.append(SseScript.data(usageChunk(prefix, request, plan)));
    }
    tail.append(SseScript.data("[DONE]"));
    return new SseScript("", chunks, tail.toString());
  }

  private static String textDelta(int index, String piece) {
    return index == 0
        ? "{\"role\":\"assistant\",\"content\":" + Json.encode(piece) + "}"
        : "{\"content\":" + Json.encode(piece) + "}";
  }

  /** The first tool chunk names the call; the rest only append to its arguments. */
  private static String toolDelta(int index, ReplyPlan plan) {
    JsonObject function = new JsonObject();
    JsonObject call = new JsonObject().put("index", 0);
    if (index == 0) {
      call.put("id", Ids.next("call_")).put("type", "function");
      function.put("name", plan.toolCall().name());
    }
    call.put("function", function.put("arguments", plan.pieces().get(index)));
    JsonObject delta = new JsonObject();
    if (index == 0) {
      delta.put("role", "assistant").put("content", null);
    }
    return delta.put("tool_calls", new JsonArray().add(call)).encode();
  }

  /** The usage chunk has no choices; it replaces the usual choices prefix. */
  private static String usageChunk(String prefix, ChatRequest request, ReplyPlan plan) {
    String head = prefix.substring(0, prefix.indexOf(",\"choices\":"));
    return head + ",\"choices\":[],\"usage\":" + usage(request, plan).encode() + "}";
  }

  private static JsonObject usage(ChatRequest request, ReplyPlan plan) {
    return new JsonObject()
        .put("prompt_tokens", request.promptTokens())
        .put("completion_tokens", plan.completionTokens())
        .put("total_tokens", request.promptTokens() + plan.completionTokens());
  }

  private static String finishReason(ReplyPlan.Stop stop) {
    return switch (stop) {
      case END_TURN -> "stop";
      case MAX_TOKENS -> "length";
      case TOOL_USE -> "tool_calls";
    };
  }

  @Override
  public JsonObject defaultStreamError() {
    return new JsonObject().put("error", new JsonObject()
        .put("message", "The server had an error while processing your request.")
        .put("type", "server_error"));
  }

  @Override
  public String streamErrorEvent(JsonObject data) {
    return SseScript.data(data.encode());
  }

  @Override
  public int streamErrorStatus() {
    return 500;
  }

  private static String jsonType(Object value) {
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    return value instanceof JsonObject ? "an object" : "an array";
  }
}
