package dev.rebound.mockllm;

import com.knuddels.jtokkit.api.Encoding;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}), shaped after OpenAI's documented stream: response.created and
 * response.in_progress, then one output item (a message whose output_text is streamed, or a function_call whose
 * arguments are), its done events, and response.completed (response.incomplete at max_output_tokens), every event
 * numbered. Errors are OpenAI's ({@code {"error":{...}}}); a failure mid-stream is an {@code error} event.
 */
final class ResponsesDialect implements Dialect {

  static final ResponsesDialect INSTANCE = new ResponsesDialect();

  /** How the gateway's continuation instruction starts, lower-cased. */
  private static final String CONTINUE_INSTRUCTION = "continue your previous answer";

  private ResponsesDialect() {
  }

  @Override
  public ChatRequest read(JsonObject body, TokenCounter tokens) {
    if (!(body.getValue("model") instanceof String model) || model.isEmpty()) {
      throw new InvalidRequestException("Missing required parameter: 'model'.", "model");
    }
    Object rawInput = body.getValue("input");
    JsonArray input;
    if (rawInput instanceof String text) {
      input = new JsonArray().add(new JsonObject().put("role", "user").put("content", text));
    } else if (rawInput instanceof JsonArray items) {
      input = items;
    } else if (rawInput == null) {
      throw new InvalidRequestException("Missing required parameter: 'input'.", "input");
    } else {
      throw new InvalidRequestException("Invalid type for 'input': expected a string or an array of input items.",
          "input");
    }
    Encoding encoding = tokens.encodingFor(model);
    int promptTokens = TokenCounter.REPLY_PRIMING;
    if (body.getValue("instructions") instanceof String instructions) {
      promptTokens += tokens.message(encoding, instructions);
    }
    for (int i = 0; i < input.size(); i++) {
      if (!(input.getValue(i) instanceof JsonObject item)) {
        throw new InvalidRequestException("Invalid type for 'input[" + i + "]': expected an object.", "input[" + i + "]");
      }
      String type = item.getValue("type") instanceof String t ? t : "message";
      if (type.equals("function_call_output") && !(item.getValue("call_id") instanceof String)) {
        throw new InvalidRequestException("Missing required parameter: 'input[" + i + "].call_id'.",
            "input[" + i + "].call_id");
      }
      promptTokens += tokens.message(encoding, item);
    }
    String partial = partialAnswer(input);
    int end = partial == null ? input.size() : input.size() - 2;
    JsonObject last = end == 0 ? null : input.getJsonObject(end - 1);
    String lastType = last == null ? null : last.getValue("type") instanceof String t ? t : "message";
    String lastUserText = null;
    for (int i = end - 1; i >= 0 && lastUserText == null; i--) {
      JsonObject item = input.getJsonObject(i);
      if ("user".equals(item.getValue("role"))) {
        lastUserText = text(item.getValue("content"));
      }
    }
    JsonArray tools = body.getValue("tools") instanceof JsonArray t && !t.isEmpty() ? t : null;
    if (tools != null) {
      promptTokens += tokens.json(encoding, tools);
    }
    boolean answersToolResult = lastType != null && lastType.endsWith("_output");
    ChatRequest.Tool tool = tools == null || answersToolResult ? null : chooseTool(tools, body.getValue("tool_choice"));
    return new ChatRequest(model, Boolean.TRUE.equals(body.getValue("stream")), true, maxTokens(body), tool,
        lastUserText, promptTokens, tool == null ? partial : null);
  }

  /** The partial answer P when the input ends with an assistant message P and the gateway's "continue" request. */
  private static String partialAnswer(JsonArray input) {
    int n = input.size();
    if (n < 2) {
      return null;
    }
    JsonObject assistant = input.getJsonObject(n - 2);
    JsonObject instruction = input.getJsonObject(n - 1);
    if (!"assistant".equals(assistant.getValue("role")) || !"user".equals(instruction.getValue("role"))) {
      return null;
    }
    String asked = text(instruction.getValue("content")).stripLeading().toLowerCase(Locale.ROOT);
    return asked.startsWith(CONTINUE_INSTRUCTION) ? text(assistant.getValue("content")) : null;
  }

  private static Integer maxTokens(JsonObject body) {
    Object value = body.getValue("max_output_tokens");
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 16) {
      throw new InvalidRequestException("Invalid 'max_output_tokens': integer below minimum value. Expected a value"
          + " >= 16, but got " + value + " instead.", "max_output_tokens");
    }
    return (int) Math.min(((Number) value).longValue(), Integer.MAX_VALUE);
  }

  /** tool_choice "none" answers with text; a named function is called; otherwise the first function tool. */
  private static ChatRequest.Tool chooseTool(JsonArray tools, Object toolChoice) {
    if ("none".equals(toolChoice)) {
      return null;
    }
    String forced = toolChoice instanceof JsonObject choice && choice.getValue("name") instanceof String name
        ? name : null;
    for (Object item : tools) {
      if (item instanceof JsonObject tool && "function".equals(tool.getValue("type"))
          && tool.getValue("name") instanceof String name && (forced == null || forced.equals(name))) {
        return new ChatRequest.Tool(name, tool.getValue("parameters") instanceof JsonObject p ? p : null);
      }
    }
    if (forced != null) {
      throw new InvalidRequestException("Tool choice '" + forced + "' not found in 'tools' parameter.", "tool_choice");
    }
    return null;
  }

  /** A string, or the text of its parts (input_text, output_text). */
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
    return OpenAiDialect.INSTANCE.malformedBodyMessage();
  }

  @Override
  public JsonObject invalidRequest(String message, String param) {
    return OpenAiDialect.INSTANCE.invalidRequest(message, param);
  }

  /** OpenAI's Responses wording for an input over the window. */
  @Override
  public JsonObject promptTooLong(int window, int promptTokens) {
    return new JsonObject().put("error", new JsonObject()
        .put("message", "Your input exceeds the context window of this model. Please adjust your input and try again.")
        .put("type", "invalid_request_error").put("param", "input").put("code", "context_length_exceeded"));
  }

  @Override
  public JsonObject promptPlusOutputTooLong(int window, int promptTokens, int maxTokens) {
    return OpenAiDialect.INSTANCE.promptPlusOutputTooLong(window, promptTokens, maxTokens);
  }

  @Override
  public JsonObject errorForStatus(int status, String model) {
    return OpenAiDialect.INSTANCE.errorForStatus(status, model);
  }

  @Override
  public JsonObject completion(ChatRequest request, ReplyPlan plan) {
    JsonObject response = response(Ids.next("resp_"), request, "in_progress");
    JsonObject item = plan.toolCall() == null
        ? message(Ids.next("msg_"), "completed", plan.text())
        : functionCall(Ids.next("fc_"), Ids.next("call_"), plan.toolCall().name(), plan.toolCall().argumentsJson(),
            "completed");
    return finished(response, request, plan, item);
  }

  @Override
  public SseScript stream(ChatRequest request, ReplyPlan plan) {
    String responseId = Ids.next("resp_");
    JsonObject response = response(responseId, request, "in_progress");
    int[] sequence = {0};
    StringBuilder head = new StringBuilder();
    head.append(event("response.created", new JsonObject().put("response", response.copy()), sequence));
    head.append(event("response.in_progress", new JsonObject().put("response", response.copy()), sequence));
    List<String> chunks = new ArrayList<>(plan.pieces().size());
    StringBuilder tail = new StringBuilder();
    JsonObject item;
    if (plan.toolCall() == null) {
      String itemId = Ids.next("msg_");
      head.append(event("response.output_item.added", new JsonObject().put("output_index", 0)
          .put("item", message(itemId, "in_progress", null)), sequence));
      head.append(event("response.content_part.added", new JsonObject().put("item_id", itemId).put("output_index", 0)
          .put("content_index", 0).put("part", textPart("")), sequence));
      for (String piece : plan.pieces()) {
        chunks.add(event("response.output_text.delta", new JsonObject().put("item_id", itemId).put("output_index", 0)
            .put("content_index", 0).put("delta", piece).put("logprobs", new JsonArray()), sequence));
      }
      tail.append(event("response.output_text.done", new JsonObject().put("item_id", itemId).put("output_index", 0)
          .put("content_index", 0).put("text", plan.text()).put("logprobs", new JsonArray()), sequence));
      tail.append(event("response.content_part.done", new JsonObject().put("item_id", itemId).put("output_index", 0)
          .put("content_index", 0).put("part", textPart(plan.text())), sequence));
      item = message(itemId, "completed", plan.text());
    } else {
      String itemId = Ids.next("fc_");
      String callId = Ids.next("call_");
      String name = plan.toolCall().name();
      head.append(event("response.output_item.added", new JsonObject().put("output_index", 0)
          .put("item", functionCall(itemId, callId, name, "", "in_progress")), sequence));
      for (String piece : plan.pieces()) {
        chunks.add(event("response.function_call_arguments.delta", new JsonObject().put("item_id", itemId)
            .put("output_index", 0).put("delta", piece), sequence));
      }
      String arguments = plan.toolCall().argumentsJson();
      tail.append(event("response.function_call_arguments.done", new JsonObject().put("item_id", itemId)
          .put("output_index", 0).put("name", name).put("arguments", arguments), sequence));
      item = functionCall(itemId, callId, name, arguments, "completed");
    }
    tail.append(event("response.output_item.done", new JsonObject().put("output_index", 0).put("item", item), sequence));
    JsonObject done = finished(response, request, plan, item);
    tail.append(event("completed".equals(done.getString("status")) ? "response.completed" : "response.incomplete",
        new JsonObject().put("response", done), sequence));
    return new SseScript(head.toString(), chunks, tail.toString());
  }

  private static JsonObject response(String id, ChatRequest request, String status) {
    return new JsonObject().put("id", id).put("object", "response").put("created_at", System.currentTimeMillis() / 1000)
        .put("status", status).put("error", null).put("incomplete_details", null).put("model", request.model())
        .put("output", new JsonArray()).put("max_output_tokens", request.maxTokens())
        .put("parallel_tool_calls", true).put("tool_choice", "auto").put("tools", new JsonArray())
        .put("usage", null);
  }

  /** The response with its one item, its status (incomplete at the output limit) and its usage. */
  private static JsonObject finished(JsonObject response, ChatRequest request, ReplyPlan plan, JsonObject item) {
    JsonObject done = response.copy().put("output", new JsonArray().add(item));
    if (plan.stop() == ReplyPlan.Stop.MAX_TOKENS) {
      done.put("status", "incomplete").put("incomplete_details", new JsonObject().put("reason", "max_output_tokens"));
    } else {
      done.put("status", "completed");
    }
    return done.put("usage", new JsonObject()
        .put("input_tokens", request.promptTokens())
        .put("input_tokens_details", new JsonObject().put("cached_tokens", 0))
        .put("output_tokens", plan.completionTokens())
        .put("output_tokens_details", new JsonObject().put("reasoning_tokens", 0))
        .put("total_tokens", request.promptTokens() + plan.completionTokens()));
  }

  private static JsonObject message(String id, String status, String text) {
    JsonArray content = new JsonArray();
    if (text != null) {
      content.add(textPart(text));
    }
    return new JsonObject().put("id", id).put("type", "message").put("status", status).put("role", "assistant")
        .put("content", content);
  }

  private static JsonObject textPart(String text) {
    return new JsonObject().put("type", "output_text").put("text", text).put("annotations", new JsonArray())
        .put("logprobs", new JsonArray());
  }

  private static JsonObject functionCall(String id, String callId, String name, String arguments, String status) {
    return new JsonObject().put("id", id).put("type", "function_call").put("status", status).put("arguments", arguments)
        .put("call_id", callId).put("name", name);
  }

  /** A named event with its type and the next sequence number. */
  private static String event(String type, JsonObject fields, int[] sequence) {
    JsonObject data = new JsonObject().put("type", type);
    fields.forEach(e -> data.put(e.getKey(), e.getValue()));
    data.put("sequence_number", sequence[0]++);
    return SseScript.event(type, data.encode());
  }

  @Override
  public JsonObject defaultStreamError() {
    return new JsonObject().put("type", "error").put("code", "server_error")
        .put("message", "The server had an error while processing your request. Sorry about that!").put("param", null);
  }

  /** Named by its type: an {@code error} event, or a {@code response.failed} when a fault scripts one. */
  @Override
  public String streamErrorEvent(JsonObject data) {
    String type = data.getValue("type") instanceof String t ? t : "error";
    return SseScript.event(type, data.encode());
  }

  @Override
  public int streamErrorStatus() {
    return 500;
  }
}
