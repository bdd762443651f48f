package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestFields;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI Chat Completions request as an Anthropic Messages request, for an OpenAI client served by Anthropic.
 * Anthropic is stricter about the conversation's shape: system prompts are one top-level field, roles alternate and
 * start with the user, tool results live in user messages and text blocks are never empty.
 */
public final class ChatToMessagesRequest {
  static final String FORMAT = "Anthropic Messages";
  /** Anthropic requires max_tokens; when neither the client nor the configuration names one, this is sent. */
  static final int FALLBACK_MAX_TOKENS = 4096;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  private static final Pattern DATA_URL = Pattern.compile("data:([^;,]+);base64,(.*)", Pattern.DOTALL);
  /** Top-level fields read below; any other is dropped with an event. */
  private static final Set<String> READ = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "stop",
      "temperature", "top_p", "user", "stream", "stream_options", "n", "logprobs", "top_logprobs", "response_format",
      "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call");

  private ChatToMessagesRequest() {}

  /** One Anthropic message being built; consecutive messages of a role merge into one. */
  private record Turn(String role, ArrayNode blocks) {}

  /**
   * @param openAiRequest    a Chat Completions request (not changed)
   * @param defaultMaxTokens the output limit to send when the request names none (Anthropic requires one); when it is
   *                         <= 0, {@value #FALLBACK_MAX_TOKENS}
   * @param dropped          told each field left out or changed, and why
   * @return a new Messages request; the model is the client's
   * @throws dev.rebound.gateway.wire.GatewayException a 400 naming the field the backend cannot honour
   */
  public static ObjectNode translate(ObjectNode openAiRequest, int defaultMaxTokens,
      Consumer<Translation.Dropped> dropped) {
    refuseWhatChangesTheAnswer(openAiRequest);
    ObjectNode out = NODES.objectNode();
    JsonNode model = openAiRequest.get("model");
    if (model != null) out.set("model", model.deepCopy());

    List<String> system = new ArrayList<>();
    List<Turn> turns = new ArrayList<>();
    ArrayNode in = RequestFields.requiredMessages(openAiRequest);
    for (int i = 0; i < in.size(); i++) message(in.get(i), "messages[" + i + "]", system, turns);
    if (!system.isEmpty()) out.put("system", String.join("\n\n", system));
    out.set("messages", messages(turns));

    JsonNode maxTokens = firstPresent(openAiRequest.get("max_completion_tokens"), openAiRequest.get("max_tokens"));
    if (maxTokens != null) out.set("max_tokens", maxTokens.deepCopy());
    else out.put("max_tokens", defaultMaxTokens > 0 ? defaultMaxTokens : FALLBACK_MAX_TOKENS);
    stop(openAiRequest.get("stop"), out);
    temperature(openAiRequest.get("temperature"), out, dropped);
    JsonNode topP = openAiRequest.get("top_p");
    if (present(topP)) out.set("top_p", topP.deepCopy());
    JsonNode user = openAiRequest.get("user");
    if (user != null && user.isTextual()) out.putObject("metadata").put("user_id", user.textValue());
    // stream_options only concerns the answer, which the stream translator writes in the client's words
    JsonNode stream = openAiRequest.get("stream");
    if (present(stream)) out.set("stream", stream.deepCopy());
    tools(openAiRequest, turns, out);
    responseFormat(openAiRequest.get("response_format"), out);

    for (Iterator<Map.Entry<String, JsonNode>> it = openAiRequest.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (READ.contains(field.getKey()) || field.getValue().isNull()) continue;
      dropped.accept(new Translation.Dropped(field.getKey(), "an OpenAI field Anthropic Messages has no equivalent for"));
    }
    return out;
  }

  /** What the backend cannot do and the client would notice missing: several choices, log probabilities, functions. */
  private static void refuseWhatChangesTheAnswer(ObjectNode request) {
    JsonNode n = request.get("n");
    if (present(n) && n.asInt(1) > 1) {
      throw Refusals.at("n", "Anthropic Messages answers with one choice, but " + n.asText() + " were asked for; send"
          + " n: 1 (or leave it out) and make several requests.");
    }
    if (request.path("logprobs").asBoolean(false)) {
      throw Refusals.at("logprobs", "Anthropic Messages reports no log probabilities; leave logprobs out.");
    }
    if (request.path("top_logprobs").asInt(0) > 0) {
      throw Refusals.at("top_logprobs", "Anthropic Messages reports no log probabilities; leave top_logprobs out.");
    }
    for (String legacy : List.of("functions", "function_call")) {
      if (present(request.get(legacy))) {
        throw Refusals.at(legacy, "the deprecated function-calling fields are not translated; use tools and"
            + " tool_choice.");
      }
    }
  }

  private static void message(JsonNode message, String at, List<String> system, List<Turn> turns) {
    String role = message.path("role").asText();
    JsonNode content = message.get("content");
    switch (role) {
      case "system", "developer" -> system.add(text(content, at + ".content"));
      case "user" -> append(turns, "user", userBlocks(content, at + ".content"));
      case "assistant" -> append(turns, "assistant", assistantBlocks(message, at));
      case "tool" -> {
        JsonNode id = message.get("tool_call_id");
        if (id == null || !id.isTextual()) throw RequestFields.missing(at + ".tool_call_id");
        ObjectNode result = NODES.objectNode().put("type", "tool_result").put("tool_use_id", id.textValue());
        String text = text(content, at + ".content");
        // content is optional in a tool_result, and an empty text is refused
        if (!text.isEmpty()) result.put("content", text);
        append(turns, "user", NODES.arrayNode().add(result));
      }
      default -> throw Refusals.unsupported(at + ".role", role, FORMAT,
          "use system, developer, user, assistant or tool messages.");
    }
  }

  /** Adds blocks to the last turn when it has the same role: Anthropic wants roles to alternate. */
  private static void append(List<Turn> turns, String role, ArrayNode blocks) {
    if (blocks.isEmpty()) return; // e.g. the empty assistant message clients resend after an aborted attempt
    Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
    if (last != null && last.role().equals(role)) last.blocks().addAll(blocks);
    else turns.add(new Turn(role, blocks));
  }

  private static ArrayNode messages(List<Turn> turns) {
    if (turns.isEmpty()) {
      throw Refusals.at("messages", "Anthropic Messages needs at least one user or assistant message with content;"
          + " add the user's message.");
    }
    ArrayNode out = NODES.arrayNode();
    // Anthropic refuses a conversation that starts with the assistant (a chat's greeting, a trimmed history); a
    // minimal user turn keeps the assistant's words where they were
    if (turns.get(0).role().equals("assistant")) out.addObject().put("role", "user").put("content", ".");
    for (Turn turn : turns) {
      ArrayNode blocks = turn.role().equals("user") ? toolResultsFirst(turn.blocks()) : turn.blocks();
      ObjectNode message = out.addObject().put("role", turn.role());
      JsonNode only = blocks.size() == 1 ? blocks.get(0) : null;
      // a lone text block as a plain string, as the client most likely wrote it
      if (only != null && "text".equals(only.path("type").textValue())) message.set("content", only.get("text"));
      else message.set("content", blocks);
    }
    return out;
  }

  /** Anthropic wants a user message's tool results before anything else in it. */
  private static ArrayNode toolResultsFirst(ArrayNode blocks) {
    ArrayNode ordered = NODES.arrayNode();
    for (JsonNode b : blocks) if ("tool_result".equals(b.path("type").textValue())) ordered.add(b);
    for (JsonNode b : blocks) if (!"tool_result".equals(b.path("type").textValue())) ordered.add(b);
    return ordered;
  }

  /** A string, or text parts joined by blank lines (what system, developer and tool messages may hold). */
  private static String text(JsonNode content, String at) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.textValue();
    if (!content.isArray()) throw RequestFields.wrongType(at, "a string or a list of text parts");
    List<String> texts = new ArrayList<>();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asText("");
      if (!type.equals("text")) throw Refusals.unsupported(at + "[" + j + "].type", type, FORMAT, "send text here.");
      texts.add(part.path("text").asText(""));
    }
    return String.join("\n\n", texts);
  }

  private static ArrayNode userBlocks(JsonNode content, String at) {
    ArrayNode blocks = NODES.arrayNode();
    if (content == null || content.isNull()) return blocks;
    if (content.isTextual()) return addText(blocks, content.textValue());
    if (!content.isArray()) throw RequestFields.wrongType(at, "a string or a list of content parts");
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String where = at + "[" + j + "]";
      String type = part.path("type").asText("");
      switch (type) {
        case "text" -> addText(blocks, part.path("text").asText(""));
        case "image_url" -> blocks.add(image(part.path("image_url").path("url").asText(""), where + ".image_url.url"));
        case "input_audio" -> throw Refusals.unsupported(where + ".type", type, FORMAT,
            "Anthropic models take no audio; send a transcript as text, or route this request to an OpenAI backend.");
        case "file" -> throw Refusals.unsupported(where + ".type", type, FORMAT,
            "send the file's text as a text part, or route this request to an OpenAI backend.");
        default -> throw Refusals.unsupported(where + ".type", type, FORMAT, "send text or image_url parts.");
      }
    }
    return blocks;
  }

  private static ObjectNode image(String url, String at) {
    ObjectNode block = NODES.objectNode().put("type", "image");
    ObjectNode source = block.putObject("source");
    if (url.startsWith("data:")) {
      Matcher m = DATA_URL.matcher(url);
      if (!m.matches()) {
        throw Refusals.at(at, "a data URL must be base64 (data:<media type>;base64,<data>); encode the image so.");
      }
      source.put("type", "base64").put("media_type", m.group(1)).put("data", m.group(2));
    } else if (url.startsWith("https://") || url.startsWith("http://")) {
      source.put("type", "url").put("url", url);
    } else {
      throw Refusals.at(at, "must be an http(s) URL or a base64 data URL.");
    }
    return block;
  }

  private static ArrayNode assistantBlocks(JsonNode message, String at) {
    ArrayNode blocks = NODES.arrayNode();
    // reasoning_content (vLLM, DeepSeek) is left out: Anthropic only takes back thinking it signed itself
    JsonNode content = message.get("content");
    if (content != null && content.isTextual()) {
      addText(blocks, content.textValue());
    } else if (content != null && content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        String type = part.path("type").asText("");
        switch (type) {
          case "text" -> addText(blocks, part.path("text").asText(""));
          case "refusal" -> addText(blocks, part.path("refusal").asText(""));
          default -> throw Refusals.unsupported(at + ".content[" + j + "].type", type, FORMAT, "send text parts.");
        }
      }
    } else if (content != null && !content.isNull()) {
      throw RequestFields.wrongType(at + ".content", "a string, a list of text parts or null");
    }
    JsonNode refusal = message.get("refusal");
    if (refusal != null && refusal.isTextual()) addText(blocks, refusal.textValue());
    if (present(message.get("function_call"))) {
      throw Refusals.at(at + ".function_call", "the deprecated function call is not translated; send tool_calls.");
    }
    JsonNode calls = message.get("tool_calls");
    if (calls != null && calls.isArray()) {
      for (int k = 0; k < calls.size(); k++) {
        JsonNode call = calls.get(k);
        String where = at + ".tool_calls[" + k + "]";
        String type = call.path("type").asText("function");
        if (!type.equals("function")) throw Refusals.unsupported(where + ".type", type, FORMAT, "send function calls.");
        JsonNode id = call.get("id");
        if (id == null || !id.isTextual()) throw RequestFields.missing(where + ".id");
        ObjectNode use = blocks.addObject().put("type", "tool_use").put("id", id.textValue());
        use.put("name", call.path("function").path("name").asText());
        use.set("input", toolInput(call.path("function").get("arguments")));
      }
    }
    return blocks;
  }

  /** Anthropic refuses empty text blocks. */
  private static ArrayNode addText(ArrayNode blocks, String text) {
    if (!text.isEmpty()) blocks.addObject().put("type", "text").put("text", text);
    return blocks;
  }

  /**
   * A tool call's arguments (a JSON string in OpenAI's words) as a tool_use input (an object in Anthropic's). Text
   * that is not a JSON object (a model's broken or cut-off call) is kept as {@code {"_raw": text}} rather than
   * emptied to {}: the model, and a tool that reports the bad input, then see what was actually written.
   */
  static ObjectNode toolInput(JsonNode arguments) {
    if (arguments == null || arguments.isNull()) return NODES.objectNode();
    if (arguments.isObject()) return (ObjectNode) arguments.deepCopy();
    String text = arguments.asText();
    if (text.isBlank()) return NODES.objectNode();
    try {
      JsonNode parsed = JSON.readTree(text);
      if (parsed != null && parsed.isObject()) return (ObjectNode) parsed;
    } catch (JsonProcessingException e) {
      // kept raw below
    }
    return NODES.objectNode().put("_raw", text);
  }

  private static void stop(JsonNode stop, ObjectNode out) {
    if (stop == null || stop.isNull()) return;
    ArrayNode sequences = NODES.arrayNode();
    if (stop.isTextual()) sequences.add(stop.textValue());
    else if (stop.isArray()) stop.forEach(s -> sequences.add(s.asText()));
    else throw RequestFields.wrongType("stop", "a string or a list of strings");
    if (!sequences.isEmpty()) out.set("stop_sequences", sequences);
  }

  /** OpenAI samples at 0 to 2, Anthropic at 0 to 1: anything hotter is sent as 1, and said so. */
  private static void temperature(JsonNode temperature, ObjectNode out, Consumer<Translation.Dropped> dropped) {
    if (!present(temperature)) return;
    if (temperature.isNumber() && temperature.doubleValue() > 1) {
      out.put("temperature", 1);
      dropped.accept(new Translation.Dropped("temperature", "was " + temperature.asText()
          + ", above Anthropic's maximum of 1; sent 1"));
    } else {
      out.set("temperature", temperature.deepCopy());
    }
  }

  private static void tools(ObjectNode request, List<Turn> turns, ObjectNode out) {
    JsonNode tools = request.get("tools");
    ArrayNode declared = NODES.arrayNode();
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) throw RequestFields.wrongType("tools", "a list of tools");
      for (int i = 0; i < tools.size(); i++) declared.add(tool(tools.get(i), "tools[" + i + "]"));
    }
    if (declared.isEmpty()) {
      declareToolsOfTheHistory(turns, out);
      return;
    }
    out.set("tools", declared);
    ObjectNode choice = toolChoice(request.get("tool_choice"));
    if (request.path("parallel_tool_calls").isBoolean() && !request.get("parallel_tool_calls").booleanValue()
        && (choice == null || !"none".equals(choice.path("type").textValue()))) {
      if (choice == null) choice = NODES.objectNode().put("type", "auto");
      choice.put("disable_parallel_tool_use", true);
    }
    if (choice != null) out.set("tool_choice", choice);
  }

  private static ObjectNode tool(JsonNode tool, String at) {
    String type = tool.path("type").asText("");
    if (!type.equals("function")) {
      throw Refusals.unsupported(at + ".type", type, FORMAT, "declare the tool as a function.");
    }
    JsonNode function = tool.path("function");
    ObjectNode out = NODES.objectNode().put("name", function.path("name").asText());
    if (function.hasNonNull("description")) out.put("description", function.get("description").asText());
    JsonNode parameters = function.get("parameters");
    out.set("input_schema", parameters == null || parameters.isNull()
        ? MessagesToChatRequest.emptySchema() : parameters.deepCopy());
    if (function.hasNonNull("strict")) out.set("strict", function.get("strict").deepCopy());
    return out;
  }

  private static ObjectNode toolChoice(JsonNode choice) {
    if (choice == null || choice.isNull()) return null;
    if (choice.isTextual()) {
      return switch (choice.textValue()) {
        case "auto" -> NODES.objectNode().put("type", "auto");
        case "required" -> NODES.objectNode().put("type", "any");
        case "none" -> NODES.objectNode().put("type", "none");
        default -> throw Refusals.unsupported("tool_choice", choice.textValue(), FORMAT,
            "use auto, required, none or a function.");
      };
    }
    String type = choice.path("type").asText("");
    if (!type.equals("function")) {
      throw Refusals.unsupported("tool_choice.type", type, FORMAT, "use auto, required, none or a function.");
    }
    return NODES.objectNode().put("type", "tool").put("name", choice.path("function").path("name").asText());
  }

  /**
   * Anthropic refuses a history with tool calls but no tools ("must define tools"), which OpenAI allows (a last turn
   * that only wants a summary): each tool the history used is declared with an open schema, and none may be called.
   */
  private static void declareToolsOfTheHistory(List<Turn> turns, ObjectNode out) {
    Set<String> used = new LinkedHashSet<>();
    for (Turn turn : turns) {
      for (JsonNode b : turn.blocks()) if ("tool_use".equals(b.path("type").textValue())) used.add(b.path("name").asText());
    }
    if (used.isEmpty()) return;
    ArrayNode tools = out.putArray("tools");
    for (String name : used) tools.addObject().put("name", name).set("input_schema", MessagesToChatRequest.emptySchema());
    out.putObject("tool_choice").put("type", "none");
  }

  private static void responseFormat(JsonNode format, ObjectNode out) {
    if (format == null || format.isNull()) return;
    String type = format.path("type").asText("");
    switch (type) {
      case "text" -> { } // the default: nothing to ask for
      case "json_schema" -> {
        ObjectNode target = out.putObject("output_config").putObject("format").put("type", "json_schema");
        JsonNode schema = format.path("json_schema").get("schema");
        target.set("schema", schema == null || schema.isNull() ? MessagesToChatRequest.emptySchema() : schema.deepCopy());
      }
      case "json_object" -> throw Refusals.unsupported("response_format.type", type, FORMAT,
          "send a json_schema response_format (Anthropic holds to a schema, not to JSON in general).");
      default -> throw Refusals.unsupported("response_format.type", type, FORMAT, "use text or json_schema.");
    }
  }

  private static JsonNode firstPresent(JsonNode a, JsonNode b) {
    return present(a) ? a : present(b) ? b : null;
  }

  private static boolean present(JsonNode n) {
    return MessagesToChatRequest.present(n);
  }
}
