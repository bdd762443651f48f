package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/** A whole OpenAI Chat Completions answer as an Anthropic {@code message}, for an Anthropic client. */
public final class ChatToMessagesAnswer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String OPENAI_ID_PREFIX = "chatcmpl-";

  private ChatToMessagesAnswer() {}

  /** The answer's first choice as a message (the request asked for one: n > 1 is refused on the way in). */
  public static ObjectNode translate(JsonNode openAiChatCompletion) {
    ObjectNode out = NODES.objectNode();
    out.put("id", "msg_" + idOf(openAiChatCompletion.path("id").textValue()));
    out.put("type", "message");
    out.put("role", "assistant");
    JsonNode model = openAiChatCompletion.get("model");
    if (model != null && model.isTextual()) out.set("model", model);
    else out.put("model", "");

    JsonNode choice = openAiChatCompletion.path("choices").path(0);
    JsonNode message = choice.path("message");
    ArrayNode content = out.putArray("content");
    String reasoning = firstText(message.get("reasoning_content"), message.get("reasoning"));
    if (reasoning != null && !reasoning.isEmpty()) {
      // no signature: the backend signs nothing, and Anthropic clients require the field. The empty signature marks
      // the block as not Anthropic's: the way back to an OpenAI backend leaves thinking out, and Anthropic itself
      // would refuse it, so it must never be sent there
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }
    String text = text(message.get("content"));
    if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text);
    JsonNode refusal = message.get("refusal");
    if (refusal != null && refusal.isTextual() && !refusal.textValue().isEmpty()) {
      content.addObject().put("type", "text").put("text", refusal.textValue());
    }
    boolean calledTools = false;
    JsonNode calls = message.get("tool_calls");
    if (calls != null && calls.isArray()) {
      for (JsonNode call : calls) {
        ObjectNode use = content.addObject().put("type", "tool_use");
        use.put("id", call.path("id").asText());
        use.put("name", call.path("function").path("name").asText());
        use.set("input", ChatToMessagesRequest.toolInput(call.path("function").get("arguments")));
        calledTools = true;
      }
    }

    String stopReason = StopReasons.toAnthropic(choice.path("finish_reason").textValue());
    // Ollama and some vLLM versions say "stop" beside tool calls; an Anthropic client runs tools on tool_use
    if (calledTools && (stopReason == null || stopReason.equals("end_turn"))) stopReason = "tool_use";
    out.put("stop_reason", stopReason == null ? "end_turn" : stopReason);
    out.putNull("stop_sequence");
    out.set("usage", UsageReports.toAnthropic(openAiChatCompletion.get("usage")));
    return out;
  }

  private static String idOf(String openAiId) {
    if (openAiId == null || openAiId.isEmpty()) return UUID.randomUUID().toString().replace("-", "");
    return openAiId.startsWith(OPENAI_ID_PREFIX) ? openAiId.substring(OPENAI_ID_PREFIX.length()) : openAiId;
  }

  private static String firstText(JsonNode a, JsonNode b) {
    if (a != null && a.isTextual()) return a.textValue();
    if (b != null && b.isTextual()) return b.textValue();
    return null;
  }

  /** A message's content: a string, or text parts (some servers answer so) joined as they come. */
  private static String text(JsonNode content) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.textValue();
    StringBuilder joined = new StringBuilder();
    for (JsonNode part : content) if ("text".equals(part.path("type").textValue())) joined.append(part.path("text").asText(""));
    return joined.toString();
  }
}
