package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestFields;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An OpenAI Responses request as a Chat Completions request, for a Responses client (Codex CLI, the Agents SDK) served
 * by a Chat Completions backend. Instructions become the system message, message items messages, function calls the
 * assistant's tool_calls (call_id kept as the id), their outputs tool messages. Codex's custom (freeform) tools become
 * functions taking one string, {@code input}; the answer turns their calls back into custom tool calls.
 */
public final class ResponsesToChatRequest {
  static final String FORMAT = "Chat Completions";
  /** The parameter a custom (freeform) tool's text travels in, as a function's argument. */
  static final String CUSTOM_INPUT = "input";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /**
   * Top-level fields read below, or that only concern how OpenAI keeps the response (store, include, metadata,
   * truncation): nothing for the backend to do. Any other is dropped with an event.
   */
  private static final Set<String> READ = Set.of("model", "input", "instructions", "tools", "tool_choice",
      "parallel_tool_calls", "max_output_tokens", "temperature", "top_p", "user", "stream", "reasoning", "text",
      "prompt_cache_key", "safety_identifier", "store", "include", "metadata", "truncation", "stream_options");

  private ResponsesToChatRequest() {}

  /**
   * @param request        a Responses request (not changed)
   * @param defaultMaxTokens the output limit to send when the request names none; none when it is <= 0
   * @param dropped        told each field left out, and why
   * @return a new Chat Completions request; the model is the client's
   * @throws dev.rebound.gateway.wire.GatewayException a 400 naming the field the backend cannot honour
   */
  public static ObjectNode translate(ObjectNode request, int defaultMaxTokens, Consumer<Translation.Dropped> dropped) {
    refuseState(request);
    ObjectNode out = NODES.objectNode();
    JsonNode model = request.get("model");
    if (model != null) out.set("model", model.deepCopy());
    ArrayNode messages = out.putArray("messages");
    JsonNode instructions = request.get("instructions");
    if (instructions != null && instructions.isTextual() && !instructions.textValue().isEmpty()) {
      messages.addObject().put("role", "system").put("content", instructions.textValue());
    }
    JsonNode input = request.get("input");
    if (input != null && input.isTextual()) {
      messages.addObject().put("role", "user").put("content", input.textValue());
    } else if (input != null && input.isArray()) {
      boolean reasoningDropped = false;
      for (int i = 0; i < input.size(); i++) reasoningDropped |= item(input.get(i), "input[" + i + "]", messages);
      if (reasoningDropped) {
        dropped.accept(new Translation.Dropped("input[].reasoning", "reasoning items belong to the model that made them"));
      }
    }
    if (messages.isEmpty()) throw Refusals.at("input", "there is no message to send; add the user's message.");

    JsonNode maxTokens = request.get("max_output_tokens");
    if (MessagesToChatRequest.present(maxTokens)) out.set("max_tokens", maxTokens.deepCopy());
    else if (defaultMaxTokens > 0) out.put("max_tokens", defaultMaxTokens);
    for (String same : new String[] {"temperature", "top_p", "user", "prompt_cache_key", "safety_identifier"}) {
      JsonNode v = request.get(same);
      if (MessagesToChatRequest.present(v)) out.set(same, v.deepCopy());
    }
    JsonNode stream = request.get("stream");
    if (MessagesToChatRequest.present(stream)) {
      out.set("stream", stream.deepCopy());
      // response.completed reports the usage: the backend's last chunk must carry it
      if (stream.asBoolean(false)) out.putObject("stream_options").put("include_usage", true);
    }
    String effort = request.path("reasoning").path("effort").textValue();
    if (effort != null) out.put("reasoning_effort", effort);
    tools(request, out);
    textFormat(request.path("text").get("format"), out);

    for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      if (field.getValue().isNull() || READ.contains(name)) continue;
      dropped.accept(new Translation.Dropped(name, "a Responses field Chat Completions has no equivalent for"));
    }
    return out;
  }

  /** What needs OpenAI to keep the conversation: not served by translation in this phase. */
  private static void refuseState(ObjectNode request) {
    for (String field : new String[] {"previous_response_id", "conversation", "prompt"}) {
      if (MessagesToChatRequest.present(request.get(field))) {
        throw Refusals.at(field, "a Chat Completions backend keeps no responses; send the whole conversation as"
            + " input (store: false), or route this request to a backend that speaks the Responses API.");
      }
    }
  }

  /** One input item into the messages; true when it was a reasoning item, left out. */
  private static boolean item(JsonNode item, String at, ArrayNode messages) {
    String type = item.path("type").asText("message");
    switch (type) {
      case "message" -> message(item, at, messages);
      case "function_call" -> toolCall(messages, item.path("call_id").asText(),
          ResponsesTools.chatName(item.path("namespace").textValue(), item.path("name").asText()), arguments(item.get("arguments")));
      case "custom_tool_call" -> toolCall(messages, item.path("call_id").asText(),
          ResponsesTools.chatName(item.path("namespace").textValue(), item.path("name").asText()),
          NODES.objectNode().put(CUSTOM_INPUT, item.path("input").asText("")).toString());
      case "function_call_output", "custom_tool_call_output" -> messages.addObject().put("role", "tool")
          .put("tool_call_id", item.path("call_id").asText()).put("content", outputText(item.get("output"), at + ".output"));
      case "reasoning" -> {
        return true;
      }
      default -> throw Refusals.unsupported(at + ".type", type, FORMAT, "send messages, function calls and their"
          + " outputs, or route this request to a backend that speaks the Responses API.");
    }
    return false;
  }

  private static void message(JsonNode item, String at, ArrayNode messages) {
    String role = item.path("role").asText();
    JsonNode content = item.get("content");
    switch (role) {
      case "system", "developer" -> messages.addObject().put("role", role).put("content", text(content, at + ".content"));
      case "assistant" -> {
        String text = text(content, at + ".content");
        if (text.isEmpty()) return;
        ObjectNode last = lastAssistant(messages);
        // a message after the calls of the same turn is said after them: a new assistant message
        if (last != null && !last.has("tool_calls") && last.path("content").isTextual()) {
          last.put("content", last.get("content").textValue() + text);
        } else {
          messages.addObject().put("role", "assistant").put("content", text);
        }
      }
      case "user" -> {
        ObjectNode user = messages.addObject().put("role", "user");
        if (content.isTextual()) user.put("content", content.textValue());
        else user.set("content", userParts(content, at + ".content"));
      }
      default -> throw Refusals.unsupported(at + ".role", role, FORMAT, "use system, developer, user or assistant.");
    }
  }

  /** The assistant message a tool call joins: the last message when it is the assistant's, else a new one. */
  private static void toolCall(ArrayNode messages, String callId, String name, String arguments) {
    ObjectNode last = lastAssistant(messages);
    if (last == null) {
      last = messages.addObject().put("role", "assistant");
      last.putNull("content");
    }
    ArrayNode calls = last.has("tool_calls") ? (ArrayNode) last.get("tool_calls") : last.putArray("tool_calls");
    ObjectNode call = calls.addObject().put("id", callId).put("type", "function");
    call.putObject("function").put("name", name).put("arguments", arguments);
  }

  private static ObjectNode lastAssistant(ArrayNode messages) {
    JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
    return last != null && "assistant".equals(last.path("role").textValue()) ? (ObjectNode) last : null;
  }

  private static String arguments(JsonNode arguments) {
    if (arguments == null || arguments.isNull()) return "{}";
    return arguments.isTextual() ? arguments.textValue() : arguments.toString();
  }

  /** A tool's output: a string, or input_text parts joined. */
  private static String outputText(JsonNode output, String at) {
    if (output == null || output.isNull()) return "";
    if (output.isTextual()) return output.textValue();
    return text(output, at);
  }

  /** A string, or the text of input_text / output_text / text parts joined (refusals said as text). */
  private static String text(JsonNode content, String at) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.textValue();
    if (!content.isArray()) throw RequestFields.wrongType(at, "a string or a list of content parts");
    StringBuilder b = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asText("");
      switch (type) {
        case "input_text", "output_text", "text" -> b.append(part.path("text").asText(""));
        case "refusal" -> b.append(part.path("refusal").asText(""));
        default -> throw Refusals.unsupported(at + "[" + j + "].type", type, FORMAT, "send text here.");
      }
    }
    return b.toString();
  }

  private static ArrayNode userParts(JsonNode content, String at) {
    ArrayNode parts = NODES.arrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String where = at + "[" + j + "]";
      String type = part.path("type").asText("");
      switch (type) {
        case "input_text", "output_text" -> parts.addObject().put("type", "text").put("text", part.path("text").asText(""));
        case "input_image" -> {
          JsonNode url = part.get("image_url");
          if (url == null || !url.isTextual()) {
            throw Refusals.at(where, "only images given by image_url (an http(s) or data URL) are translated; a"
                + " file_id needs OpenAI's file store.");
          }
          ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url").put("url", url.textValue());
          if (part.path("detail").isTextual()) image.put("detail", part.get("detail").textValue());
        }
        default -> throw Refusals.unsupported(where + ".type", type, FORMAT, "send input_text or input_image parts.");
      }
    }
    return parts;
  }

  private static void tools(ObjectNode request, ObjectNode out) {
    JsonNode tools = request.get("tools");
    if (tools == null || !tools.isArray() || tools.isEmpty()) return;
    ArrayNode declared = out.putArray("tools");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      if ("namespace".equals(tool.path("type").textValue())) {
        // Chat has no namespaces: each tool in it is declared with the namespace in its name
        String namespace = tool.path("name").asText("");
        JsonNode inner = tool.path("tools");
        for (int j = 0; j < inner.size(); j++) {
          declared.addObject().put("type", "function").set("function",
              function(inner.get(j), "tools[" + i + "].tools[" + j + "]", namespace));
        }
        continue;
      }
      declared.addObject().put("type", "function").set("function", function(tool, "tools[" + i + "]", null));
    }
    if (declared.isEmpty()) out.remove("tools");
    JsonNode choice = request.get("tool_choice");
    if (choice != null && choice.isTextual()) {
      out.put("tool_choice", choice.textValue());
    } else if (choice != null && choice.isObject()) {
      String type = choice.path("type").asText("");
      if (!type.equals("function") && !type.equals("custom")) {
        throw Refusals.unsupported("tool_choice.type", type, FORMAT, "use auto, required, none or a function.");
      }
      out.putObject("tool_choice").put("type", "function").putObject("function").put("name",
          ResponsesTools.chatName(choice.path("namespace").textValue(), choice.path("name").asText()));
    }
    JsonNode parallel = request.get("parallel_tool_calls");
    if (parallel != null && parallel.isBoolean()) out.put("parallel_tool_calls", parallel.booleanValue());
  }

  /** A function or custom tool as a Chat function; a hosted tool is refused, naming it. */
  private static ObjectNode function(JsonNode tool, String at, String namespace) {
    String type = tool.path("type").asText("");
    ObjectNode function = NODES.objectNode();
    {
      switch (type) {
        case "function" -> {
          function.put("name", ResponsesTools.chatName(namespace, tool.path("name").asText()));
          if (tool.hasNonNull("description")) function.put("description", tool.get("description").asText());
          JsonNode parameters = tool.get("parameters");
          function.set("parameters", parameters == null || parameters.isNull()
              ? MessagesToChatRequest.emptySchema() : parameters.deepCopy());
          if (tool.hasNonNull("strict")) function.set("strict", tool.get("strict").deepCopy());
        }
        case "custom" -> {
          function.put("name", ResponsesTools.chatName(namespace, tool.path("name").asText()));
          String description = tool.path("description").asText("");
          JsonNode grammar = tool.path("format").path("definition");
          if (grammar.isTextual()) description += "\n\nThe input follows this grammar:\n" + grammar.textValue();
          function.put("description", description);
          ObjectNode schema = function.putObject("parameters").put("type", "object");
          schema.putObject("properties").putObject(CUSTOM_INPUT).put("type", "string")
              .put("description", "The tool's input, as free text.");
          schema.putArray("required").add(CUSTOM_INPUT);
          schema.put("additionalProperties", false);
        }
        default -> throw Refusals.unsupported(at + ".type", type, FORMAT, "the hosted tool '" + type
            + "' runs only on OpenAI's Responses API; leave it out, declare it as a function, or route this request to"
            + " a backend that speaks the Responses API.");
      }
    }
    return function;
  }

  private static void textFormat(JsonNode format, ObjectNode out) {
    if (format == null || format.isNull()) return;
    String type = format.path("type").asText("");
    switch (type) {
      case "text" -> { } // the default
      case "json_object" -> out.putObject("response_format").put("type", "json_object");
      case "json_schema" -> {
        ObjectNode schema = out.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", format.path("name").asText("response"));
        if (format.hasNonNull("description")) schema.put("description", format.get("description").asText());
        JsonNode s = format.get("schema");
        schema.set("schema", s == null || s.isNull() ? MessagesToChatRequest.emptySchema() : s.deepCopy());
        if (format.hasNonNull("strict")) schema.set("strict", format.get("strict").deepCopy());
      }
      default -> throw Refusals.unsupported("text.format.type", type, FORMAT, "use text, json_object or json_schema.");
    }
  }
}
