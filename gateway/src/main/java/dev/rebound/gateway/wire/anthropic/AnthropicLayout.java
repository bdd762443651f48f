package dev.rebound.gateway.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Messages: the system prompt top-level ({@code system}), tool_use blocks in assistant messages answered by
 * tool_result blocks in the next user message, a conversation that must start with a user message; max_tokens.
 */
final class AnthropicLayout implements RequestLayout {

  @Override
  public JsonNode topLevelSystem(JsonNode request) {
    JsonNode system = request.get("system");
    return system == null || system.isNull() ? null : system;
  }

  @Override
  public boolean isSystemMessage(JsonNode message) {
    return false;
  }

  /** A user message of tool_result blocks only answers tool calls: it goes on the turn, it opens none. */
  @Override
  public boolean opensTurn(JsonNode userMessage) {
    JsonNode content = userMessage.get("content");
    if (content == null || !content.isArray()) return true;
    for (JsonNode block : content) if (!"tool_result".equals(block.path("type").asText())) return true;
    return content.isEmpty();
  }

  @Override
  public List<String> toolCallIds(JsonNode message) {
    List<String> ids = new ArrayList<>(0);
    JsonNode content = message.get("content");
    if (content != null && content.isArray()) {
      for (JsonNode b : content) {
        String type = b.path("type").asText();
        if (type.equals("tool_use") || type.equals("server_tool_use")) ids.add(b.path("id").asText());
      }
    }
    return ids;
  }

  @Override
  public List<String> toolResultIds(JsonNode message) {
    List<String> ids = new ArrayList<>(0);
    JsonNode content = message.get("content");
    if (content != null && content.isArray()) {
      for (JsonNode b : content) {
        JsonNode id = b.get("tool_use_id");
        if (id != null && id.isTextual()) ids.add(id.textValue());
      }
    }
    return ids;
  }

  @Override
  public boolean answersPrevious(JsonNode previous, JsonNode message) {
    return false;
  }

  @Override
  public boolean startsWithUser() {
    return true;
  }

  @Override
  public Integer maxTokens(JsonNode request) {
    JsonNode n = request.get("max_tokens");
    return n != null && n.canConvertToInt() && n.isNumber() ? n.intValue() : null;
  }

  @Override
  public void setMaxTokens(ObjectNode request, int value) {
    request.put("max_tokens", value);
  }
}
