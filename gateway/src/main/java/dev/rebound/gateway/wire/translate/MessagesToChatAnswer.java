package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A whole Anthropic {@code message} as an OpenAI {@code chat.completion}, for an OpenAI client. */
public final class MessagesToChatAnswer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private MessagesToChatAnswer() {}

  public static ObjectNode translate(JsonNode anthropicMessage) {
    return translate(anthropicMessage, Instant.now().getEpochSecond());
  }

  /** As {@link #translate(JsonNode)}, created at the given time (Anthropic's message says none). */
  static ObjectNode translate(JsonNode anthropicMessage, long createdEpochSeconds) {
    ObjectNode out = NODES.objectNode();
    out.put("id", "chatcmpl-" + anthropicMessage.path("id").asText());
    out.put("object", "chat.completion");
    out.put("created", createdEpochSeconds);
    JsonNode model = anthropicMessage.get("model");
    if (model != null && model.isTextual()) out.set("model", model);
    else out.put("model", "");

    // text blocks are pieces of one answer (citations split a sentence into several): joined as they come
    StringBuilder text = new StringBuilder();
    boolean hasText = false;
    List<String> thinking = new ArrayList<>();
    ArrayNode calls = NODES.arrayNode();
    for (JsonNode block : anthropicMessage.path("content")) {
      switch (block.path("type").asText("")) {
        case "text" -> {
          text.append(block.path("text").asText(""));
          hasText = true;
        }
        // the signature is Anthropic's alone; the reasoning's words may be shown
        case "thinking" -> thinking.add(block.path("thinking").asText(""));
        case "tool_use" -> {
          ObjectNode call = calls.addObject().put("id", block.path("id").asText()).put("type", "function");
          ObjectNode function = call.putObject("function").put("name", block.path("name").asText());
          JsonNode input = block.get("input");
          function.put("arguments", input == null || input.isNull() ? "{}" : input.toString());
        }
        default -> { } // redacted thinking, and server tools Anthropic ran itself (their results are in the text)
      }
    }

    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    if (hasText) message.put("content", text.toString());
    else message.putNull("content");
    message.putNull("refusal");
    if (!calls.isEmpty()) message.set("tool_calls", calls);
    if (!thinking.isEmpty()) message.put("reasoning_content", String.join("\n\n", thinking));
    choice.putNull("logprobs");
    String finish = StopReasons.toOpenAi(anthropicMessage.path("stop_reason").textValue());
    choice.put("finish_reason", finish == null ? "stop" : finish);
    out.set("usage", UsageReports.toOpenAi(anthropicMessage.get("usage")));
    return out;
  }
}
