package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Messages of either protocol as plain text: what a summarizer reads and what pin rules match. */
final class Transcript {
  private Transcript() {}

  /** The text of a content value: a string, or the text blocks joined. */
  static String text(JsonNode content) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.textValue();
    if (!content.isArray()) return "";
    StringBuilder b = new StringBuilder();
    for (JsonNode block : content) {
      JsonNode t = block.isTextual() ? block : block.get("text");
      if (t != null && t.isTextual()) {
        if (b.length() > 0) b.append('\n');
        b.append(t.textValue());
      }
    }
    return b.toString();
  }

  /** A Responses input item that is no message (a tool call, its output, reasoning), spelled out; false for others. */
  private static boolean responsesItem(JsonNode m, StringBuilder b) {
    switch (m.path("type").asText("message")) {
      case "function_call", "custom_tool_call" -> b.append("assistant: [called tool ").append(m.path("name").asText())
          .append(' ').append(m.has("arguments") ? m.path("arguments").asText() : m.path("input").asText()).append("]\n");
      case "function_call_output", "custom_tool_call_output" -> b.append("tool: [tool result: ")
          .append(m.path("output").isTextual() ? m.path("output").asText() : text(m.get("output"))).append("]\n");
      case "message" -> {
        return false;
      }
      default -> { } // reasoning and other items: not part of what the conversation said
    }
    return true;
  }

  static boolean onlyToolResults(JsonNode m) {
    JsonNode content = m.get("content");
    if (content == null || !content.isArray() || content.isEmpty()) return false;
    for (JsonNode block : content) if (!"tool_result".equals(block.path("type").asText())) return false;
    return true;
  }

  /** Messages as "role: text" lines, tool calls and results spelled out; at most {@code maxChars} (head and tail). */
  static String of(List<JsonNode> messages, int maxChars) {
    StringBuilder b = new StringBuilder();
    for (JsonNode m : messages) {
      if (responsesItem(m, b)) continue;
      String role = m.path("role").asText();
      b.append(role).append(": ");
      JsonNode content = m.get("content");
      if (content != null && content.isArray()) {
        for (JsonNode block : content) {
          switch (block.path("type").asText()) {
            case "text", "input_text", "output_text" -> b.append(block.path("text").asText()).append('\n');
            case "tool_use" -> b.append("[called tool ").append(block.path("name").asText()).append(' ')
                .append(block.path("input").toString()).append("]\n");
            case "tool_result" -> b.append("[tool result: ").append(text(block.get("content"))).append("]\n");
            case "thinking" -> { }
            default -> b.append('[').append(block.path("type").asText()).append("]\n");
          }
        }
      } else {
        b.append(text(content)).append('\n');
      }
      for (JsonNode call : m.path("tool_calls")) {
        b.append("[called tool ").append(call.path("function").path("name").asText()).append(' ')
            .append(call.path("function").path("arguments").asText()).append("]\n");
      }
    }
    if (b.length() <= maxChars) return b.toString();
    int half = maxChars / 2;
    return b.substring(0, half) + "\n[... " + (b.length() - maxChars) + " characters left out ...]\n" + b.substring(b.length() - half);
  }
}
