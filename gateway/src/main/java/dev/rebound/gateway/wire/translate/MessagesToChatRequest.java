package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestFields;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An Anthropic Messages request as an OpenAI Chat Completions request, for an Anthropic client (Claude Code, the
 * Anthropic SDKs) served by an OpenAI-compatible backend (vLLM, Ollama, llama.cpp, OpenAI). Thinking blocks and their
 * signatures never leave: they are only valid at the provider that issued them. {@code cache_control} disappears
 * everywhere: OpenAI-compatible servers reject or ignore it.
 */
public final class MessagesToChatRequest {
  static final String FORMAT = "OpenAI Chat Completions";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Top-level fields read below; any other is dropped with an event. */
  private static final Set<String> READ = Set.of("model", "messages", "system", "max_tokens", "stop_sequences",
      "temperature", "top_p", "top_k", "metadata", "stream", "tools", "tool_choice", "thinking", "output_format",
      "output_config", "cache_control");
  /** Tool fields carried over; any other (defer_loading, input_examples...) is an Anthropic-only setting. */
  private static final Set<String> TOOL_FIELDS = Set.of("type", "name", "description", "input_schema", "strict",
      "cache_control");

  private MessagesToChatRequest() {}

  /**
   * @param anthropicRequest a Messages request (not changed)
   * @param defaultMaxTokens the output limit to send when the request names none; none is sent when it is <= 0
   * @param dropped          told each field left out, and why
   * @return a new Chat Completions request; the model is the client's
   * @throws dev.rebound.gateway.wire.GatewayException a 400 naming the field the backend cannot honour
   */
  public static ObjectNode translate(ObjectNode anthropicRequest, int defaultMaxTokens,
      Consumer<Translation.Dropped> dropped) {
    ObjectNode out = NODES.objectNode();
    JsonNode model = anthropicRequest.get("model");
    if (model != null) out.set("model", model.deepCopy());

    ArrayNode messages = out.putArray("messages");
    String system = systemText(anthropicRequest.get("system"), "system");
    if (!system.isEmpty()) messages.addObject().put("role", "system").put("content", system);
    ArrayNode in = RequestFields.requiredMessages(anthropicRequest);
    for (int i = 0; i < in.size(); i++) message(in.get(i), "messages[" + i + "]", messages, dropped);

    Set<String> functions = tools(anthropicRequest.get("tools"), out, dropped);
    toolChoice(anthropicRequest.get("tool_choice"), functions, out);

    JsonNode maxTokens = anthropicRequest.get("max_tokens");
    if (present(maxTokens)) out.set("max_tokens", maxTokens.deepCopy());
    else if (defaultMaxTokens > 0) out.put("max_tokens", defaultMaxTokens);
    JsonNode stops = anthropicRequest.get("stop_sequences");
    if (stops != null && stops.isArray() && !stops.isEmpty()) out.set("stop", stops.deepCopy());
    copy(anthropicRequest, "temperature", out, "temperature");
    copy(anthropicRequest, "top_p", out, "top_p");
    if (present(anthropicRequest.get("top_k"))) {
      dropped.accept(new Translation.Dropped("top_k", "OpenAI Chat has no top_k sampling parameter"));
    }
    JsonNode user = anthropicRequest.path("metadata").get("user_id");
    if (user != null && user.isTextual()) out.put("user", user.textValue());
    JsonNode stream = anthropicRequest.get("stream");
    if (present(stream)) {
      out.set("stream", stream.deepCopy());
      // without it an OpenAI stream carries no usage, and the Anthropic client's message_delta needs one
      if (stream.asBoolean(false)) out.putObject("stream_options").put("include_usage", true);
    }
    JsonNode thinking = anthropicRequest.get("thinking");
    if (present(thinking) && !"disabled".equals(thinking.path("type").textValue())) {
      dropped.accept(new Translation.Dropped("thinking",
          "OpenAI Chat has no thinking budget; the backend reasons as it is configured to"));
    }
    outputFormat(anthropicRequest, out, dropped);

    for (Iterator<Map.Entry<String, JsonNode>> it = anthropicRequest.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (READ.contains(field.getKey()) || field.getValue().isNull()) continue;
      dropped.accept(new Translation.Dropped(field.getKey(), "an Anthropic field OpenAI Chat has no equivalent for"));
    }
    return out;
  }

  /** The system prompt as one string: a string, or text blocks joined by blank lines (their cache_control dropped). */
  private static String systemText(JsonNode system, String at) {
    if (system == null || system.isNull()) return "";
    if (system.isTextual()) return system.textValue();
    if (!system.isArray()) throw RequestFields.wrongType(at, "a string or a list of text blocks");
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < system.size(); i++) {
      JsonNode block = system.get(i);
      String type = block.path("type").asText("");
      if (!"text".equals(type)) {
        throw Refusals.unsupported(at + "[" + i + "].type", type, FORMAT, "send the system prompt as text blocks.");
      }
      texts.add(block.path("text").asText(""));
    }
    return String.join("\n\n", texts);
  }

  private static void message(JsonNode message, String at, ArrayNode out, Consumer<Translation.Dropped> dropped) {
    String role = message.path("role").asText();
    JsonNode content = message.get("content");
    if (content == null || content.isNull()) throw RequestFields.missing(at + ".content");
    if (role.equals("system")) {
      // a system message inside the conversation (newer Messages API) stays where it is: OpenAI has the same
      out.addObject().put("role", "system").put("content", systemText(content, at + ".content"));
      return;
    }
    if (!role.equals("user") && !role.equals("assistant")) {
      throw Refusals.at(at + ".role", "'" + role + "' is not a Messages role; use user, assistant or system.");
    }
    if (content.isTextual()) {
      out.addObject().put("role", role).put("content", content.textValue());
      return;
    }
    if (!content.isArray()) throw RequestFields.wrongType(at + ".content", "a string or a list of content blocks");
    if (role.equals("user")) userMessage(content, at, out, dropped);
    else assistantMessage(content, at, out);
  }

  /**
   * A user message's tool results become tool messages, placed first: OpenAI wants them right after the assistant's
   * tool calls, while Anthropic puts them in the next user message, possibly beside text.
   */
  private static void userMessage(JsonNode blocks, String at, ArrayNode out, Consumer<Translation.Dropped> dropped) {
    ArrayNode parts = NODES.arrayNode();
    for (int j = 0; j < blocks.size(); j++) {
      JsonNode block = blocks.get(j);
      String where = at + ".content[" + j + "]";
      String type = block.path("type").asText("");
      switch (type) {
        case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asText(""));
        case "image" -> parts.add(imagePart(block.path("source"), where));
        case "tool_result" -> out.add(toolMessage(block, where, dropped));
        default -> throw Refusals.unsupported(where + ".type", type, FORMAT,
            "send its content as text blocks, or route this request to an Anthropic backend.");
      }
    }
    if (!parts.isEmpty()) out.addObject().put("role", "user").set("content", contentOf(parts));
  }

  private static void assistantMessage(JsonNode blocks, String at, ArrayNode out) {
    ArrayNode parts = NODES.arrayNode();
    ArrayNode calls = NODES.arrayNode();
    for (int j = 0; j < blocks.size(); j++) {
      JsonNode block = blocks.get(j);
      String where = at + ".content[" + j + "]";
      String type = block.path("type").asText("");
      switch (type) {
        case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asText(""));
        case "tool_use" -> {
          ObjectNode call = calls.addObject();
          call.put("id", block.path("id").asText());
          call.put("type", "function");
          ObjectNode function = call.putObject("function");
          function.put("name", block.path("name").asText());
          JsonNode input = block.get("input");
          function.put("arguments", input == null || input.isNull() ? "{}" : input.toString());
        }
        // a signature is only valid at the provider that issued it, and the text is that provider's reasoning
        case "thinking", "redacted_thinking" -> { }
        default -> throw Refusals.unsupported(where + ".type", type, FORMAT,
            "leave it out of the history, or route this request to an Anthropic backend.");
      }
    }
    if (parts.isEmpty() && calls.isEmpty()) return; // thinking alone: nothing the backend may see
    ObjectNode message = out.addObject().put("role", "assistant");
    // OpenAI's own answers carry null content beside tool calls
    if (parts.isEmpty()) message.putNull("content");
    else message.set("content", contentOf(parts));
    if (!calls.isEmpty()) message.set("tool_calls", calls);
  }

  /** One text part as a plain string (what every OpenAI-compatible server reads), several parts as a list. */
  private static JsonNode contentOf(ArrayNode parts) {
    if (parts.size() == 1 && "text".equals(parts.get(0).path("type").textValue())) return parts.get(0).get("text");
    return parts;
  }

  private static ObjectNode imagePart(JsonNode source, String at) {
    String type = source.path("type").asText("");
    String url = switch (type) {
      case "base64" -> "data:" + source.path("media_type").asText() + ";base64," + source.path("data").asText();
      case "url" -> source.path("url").asText();
      default -> throw Refusals.unsupported(at + ".source.type", type, FORMAT,
          "send the image inline (base64) or by URL.");
    };
    ObjectNode part = NODES.objectNode().put("type", "image_url");
    part.putObject("image_url").put("url", url);
    return part;
  }

  private static ObjectNode toolMessage(JsonNode result, String at, Consumer<Translation.Dropped> dropped) {
    JsonNode id = result.get("tool_use_id");
    if (id == null || !id.isTextual()) throw RequestFields.missing(at + ".tool_use_id");
    String text = toolResultText(result.get("content"), at, dropped);
    // OpenAI tool messages have no error flag: the model learns of the failure from the words
    if (result.path("is_error").asBoolean(false)) text = "Error: " + text;
    return NODES.objectNode().put("role", "tool").put("tool_call_id", id.textValue()).put("content", text);
  }

  private static String toolResultText(JsonNode content, String at, Consumer<Translation.Dropped> dropped) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.textValue();
    if (!content.isArray()) throw RequestFields.wrongType(at + ".content", "a string or a list of content blocks");
    List<String> texts = new ArrayList<>();
    for (int k = 0; k < content.size(); k++) {
      JsonNode block = content.get(k);
      String where = at + ".content[" + k + "]";
      String type = block.path("type").asText("");
      switch (type) {
        case "text" -> texts.add(block.path("text").asText(""));
        case "image" -> dropped.accept(new Translation.Dropped(where, "OpenAI tool messages hold text only"));
        default -> throw Refusals.unsupported(where + ".type", type, FORMAT,
            "return the tool's result as text, or route this request to an Anthropic backend.");
      }
    }
    return String.join("\n\n", texts);
  }

  /** Custom tools as functions; server tools (run by Anthropic itself) are left out. Returns the function names. */
  private static Set<String> tools(JsonNode tools, ObjectNode out, Consumer<Translation.Dropped> dropped) {
    Set<String> names = new HashSet<>();
    if (tools == null || tools.isNull()) return names;
    if (!tools.isArray()) throw RequestFields.wrongType("tools", "a list of tools");
    ArrayNode functions = NODES.arrayNode();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String type = tool.path("type").asText("custom");
      if (!type.equals("custom")) {
        dropped.accept(new Translation.Dropped("tools[" + i + "] (" + type + ")",
            "an Anthropic server tool, which only Anthropic can run"));
        continue;
      }
      String name = tool.path("name").asText();
      names.add(name);
      ObjectNode function = functions.addObject().put("type", "function").putObject("function");
      function.put("name", name);
      if (tool.hasNonNull("description")) function.put("description", tool.get("description").asText());
      JsonNode schema = tool.get("input_schema");
      function.set("parameters", schema == null || schema.isNull() ? emptySchema() : schema.deepCopy());
      if (tool.hasNonNull("strict")) function.set("strict", tool.get("strict").deepCopy());
      for (Iterator<String> it = tool.fieldNames(); it.hasNext(); ) {
        String field = it.next();
        if (!TOOL_FIELDS.contains(field) && !tool.get(field).isNull()) {
          dropped.accept(new Translation.Dropped("tools[" + i + "]." + field,
              "an Anthropic tool setting OpenAI Chat has no equivalent for"));
        }
      }
    }
    if (!functions.isEmpty()) out.set("tools", functions);
    return names;
  }

  static ObjectNode emptySchema() {
    ObjectNode schema = NODES.objectNode().put("type", "object");
    schema.putObject("properties");
    return schema;
  }

  private static void toolChoice(JsonNode choice, Set<String> functions, ObjectNode out) {
    if (choice == null || choice.isNull()) return;
    String type = choice.path("type").asText("");
    if (functions.isEmpty()) {
      // with no tool left, OpenAI rejects any tool_choice; only a choice that demands a tool changes the answer
      if (type.equals("any") || type.equals("tool")) {
        throw Refusals.at("tool_choice.type", "'" + type + "' demands a tool, but the request has none the backend"
            + " can run (server tools only run at Anthropic); use auto, or route this request to an Anthropic backend.");
      }
      return;
    }
    switch (type) {
      case "auto" -> out.put("tool_choice", "auto");
      case "any" -> out.put("tool_choice", "required");
      case "none" -> out.put("tool_choice", "none");
      case "tool" -> {
        String name = choice.path("name").asText();
        if (!functions.contains(name)) {
          throw Refusals.at("tool_choice.name", "'" + name + "' is not one of the request's custom tools (server"
              + " tools only run at Anthropic); name a tool the request defines.");
        }
        ObjectNode forced = out.putObject("tool_choice").put("type", "function");
        forced.putObject("function").put("name", name);
      }
      default -> throw Refusals.unsupported("tool_choice.type", type, FORMAT, "use auto, any, none or tool.");
    }
    if (choice.path("disable_parallel_tool_use").asBoolean(false)) out.put("parallel_tool_calls", false);
  }

  /** Structured output, in the beta's words ({@code output_format}) or the current ones ({@code output_config}). */
  private static void outputFormat(ObjectNode request, ObjectNode out, Consumer<Translation.Dropped> dropped) {
    JsonNode format = request.get("output_format");
    String at = "output_format";
    JsonNode config = request.get("output_config");
    if (present(config)) {
      for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
        String field = it.next();
        if (field.equals("format") || config.get(field).isNull()) continue;
        dropped.accept(new Translation.Dropped("output_config." + field,
            "an Anthropic output setting OpenAI Chat has no equivalent for"));
      }
      if (present(config.get("format"))) {
        format = config.get("format");
        at = "output_config.format";
      }
    }
    if (!present(format)) return;
    String type = format.path("type").asText("");
    if (!type.equals("json_schema")) throw Refusals.unsupported(at + ".type", type, FORMAT, "use json_schema.");
    ObjectNode jsonSchema = out.putObject("response_format").put("type", "json_schema").putObject("json_schema");
    // OpenAI wants a name; Anthropic has none. strict: Anthropic's structured output always holds to the schema
    jsonSchema.put("name", "output");
    JsonNode schema = format.get("schema");
    jsonSchema.set("schema", schema == null ? emptySchema() : schema.deepCopy());
    jsonSchema.put("strict", true);
  }

  private static void copy(ObjectNode from, String field, ObjectNode to, String as) {
    JsonNode value = from.get(field);
    if (present(value)) to.set(as, value.deepCopy());
  }

  static boolean present(JsonNode n) {
    return n != null && !n.isNull() && !n.isMissingNode();
  }
}
