package dev.rebound.gateway.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import java.util.TreeMap;

/** Chat Completions: the text of choice 0 and its tool calls, arguments joined from their deltas. */
final class OpenAiMessageBuilder extends AssistantMessageBuilder {
  private final StringBuilder text = new StringBuilder();
  private final TreeMap<Integer, Call> calls = new TreeMap<>();

  private static final class Call {
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();
  }

  @Override
  protected void observe(JsonNode d) {
    JsonNode delta = d.path("choices").path(0).path("delta");
    if (delta.isMissingNode()) return;
    JsonNode content = delta.get("content");
    if (content != null && content.isTextual()) text.append(content.textValue());
    for (JsonNode tc : delta.path("tool_calls")) {
      Call c = calls.computeIfAbsent(tc.path("index").asInt(0), k -> new Call());
      if (tc.hasNonNull("id")) c.id = tc.get("id").asText();
      JsonNode f = tc.path("function");
      if (f.hasNonNull("name")) c.name = f.get("name").asText();
      if (f.hasNonNull("arguments")) c.arguments.append(f.get("arguments").asText());
    }
  }

  @Override
  public String message() {
    ObjectNode m = JsonNodeFactory.instance.objectNode().put("role", "assistant");
    m.put("content", calls.isEmpty() || text.length() > 0 ? text.toString() : null);
    if (!calls.isEmpty()) {
      ArrayNode tcs = m.putArray("tool_calls");
      for (Call c : calls.values()) {
        ObjectNode t = tcs.addObject().put("id", c.id).put("type", "function");
        t.putObject("function").put("name", c.name).put("arguments", c.arguments.toString());
      }
    }
    return m.toString();
  }
}
