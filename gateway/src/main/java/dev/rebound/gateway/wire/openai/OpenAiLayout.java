package dev.rebound.gateway.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.RequestLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Chat Completions: system text in system and developer messages, tool calls on the assistant message
 * ({@code tool_calls}) answered by tool messages ({@code tool_call_id}), or by a function message right after
 * (legacy function calling); the output limit in max_completion_tokens, or the older max_tokens.
 */
final class OpenAiLayout implements RequestLayout {

  @Override
  public JsonNode topLevelSystem(JsonNode request) {
    return null;
  }

  @Override
  public boolean isSystemMessage(JsonNode message) {
    String role = message.path("role").asText();
    return role.equals("system") || role.equals("developer");
  }

  /** Tool results are tool messages, so every user message opens a turn. */
  @Override
  public boolean opensTurn(JsonNode userMessage) {
    return true;
  }

  @Override
  public List<String> toolCallIds(JsonNode message) {
    List<String> ids = new ArrayList<>(0);
    for (JsonNode call : message.path("tool_calls")) ids.add(call.path("id").asText());
    return ids;
  }

  @Override
  public List<String> toolResultIds(JsonNode message) {
    JsonNode id = message.get("tool_call_id");
    return id != null && id.isTextual() ? List.of(id.textValue()) : List.of();
  }

  @Override
  public boolean answersPrevious(JsonNode previous, JsonNode message) {
    return message.path("role").asText().equals("function") && previous.has("function_call");
  }

  @Override
  public boolean startsWithUser() {
    return false;
  }

  /** max_completion_tokens when set, else max_tokens; null when neither is (the model decides). */
  @Override
  public Integer maxTokens(JsonNode request) {
    JsonNode n = request.has("max_completion_tokens") ? request.get("max_completion_tokens") : request.get("max_tokens");
    return n != null && n.canConvertToInt() && n.isNumber() ? n.intValue() : null;
  }

  @Override
  public void setMaxTokens(ObjectNode request, int value) {
    request.put(request.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", value);
  }
}
