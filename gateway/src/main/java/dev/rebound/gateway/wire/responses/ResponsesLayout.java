package dev.rebound.gateway.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestLayout;
import java.util.List;

/**
 * Responses: the system prompt top-level ({@code instructions}) or in system and developer message items; tool calls
 * are items of their own ({@code function_call}, {@code custom_tool_call}) answered by output items with the same
 * {@code call_id}; the output limit in max_output_tokens. The conversation is the {@code input} list (a string input is
 * one user message); a session stores it grouped by turn part ({@link ResponsesItems}).
 */
final class ResponsesLayout implements RequestLayout {

  @Override
  public JsonNode topLevelSystem(JsonNode request) {
    JsonNode instructions = request.get("instructions");
    return instructions == null || instructions.isNull() ? null : instructions;
  }

  @Override
  public boolean isSystemMessage(JsonNode message) {
    String role = message.path("role").asText();
    return role.equals("system") || role.equals("developer");
  }

  /** Tool outputs are items of their own, so every user message opens a turn. */
  @Override
  public boolean opensTurn(JsonNode userMessage) {
    return true;
  }

  @Override
  public List<String> toolCallIds(JsonNode item) {
    String type = item.path("type").asText();
    return (type.equals("function_call") || type.equals("custom_tool_call")) && item.path("call_id").isTextual()
        ? List.of(item.get("call_id").textValue()) : List.of();
  }

  @Override
  public List<String> toolResultIds(JsonNode item) {
    String type = item.path("type").asText();
    return (type.equals("function_call_output") || type.equals("custom_tool_call_output")) && item.path("call_id").isTextual()
        ? List.of(item.get("call_id").textValue()) : List.of();
  }

  @Override
  public boolean answersPrevious(JsonNode previous, JsonNode message) {
    return false;
  }

  @Override
  public boolean startsWithUser() {
    return false;
  }

  @Override
  public Integer maxTokens(JsonNode request) {
    JsonNode n = request.get("max_output_tokens");
    return n != null && n.canConvertToInt() && n.isNumber() ? n.intValue() : null;
  }

  @Override
  public void setMaxTokens(ObjectNode request, int value) {
    request.put("max_output_tokens", value);
  }

  @Override
  public JsonNode conversation(JsonNode request) {
    return ResponsesItems.input(request);
  }

  @Override
  public void setConversation(ObjectNode request, ArrayNode conversation) {
    request.set("input", conversation);
  }

  @Override
  public JsonNode sessionMessages(JsonNode request) {
    return ResponsesItems.toSession(ResponsesItems.input(request));
  }

  @Override
  public void setSessionMessages(ObjectNode request, ArrayNode messages) {
    request.set("input", ResponsesItems.toItems(messages));
  }

  @Override
  public boolean sessionMessagesAreConversation() {
    return false;
  }
}
