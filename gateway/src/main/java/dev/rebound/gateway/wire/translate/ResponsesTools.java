package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * The tools a Responses request declares, by the name their calls carry on a Chat Completions backend: a function or
 * custom tool by its own name, a tool inside a namespace (Codex groups its sub-agent tools so) by
 * {@code namespace__name}, since Chat has no namespaces. A call the backend makes is read back through it.
 */
final class ResponsesTools {
  /** Between a namespace and a tool's name: Chat function names allow letters, digits, '_' and '-' only. */
  static final String NAMESPACE_SEPARATOR = "__";

  /** A declared tool: the namespace it is in (null when none), its own name, and whether it is a custom tool. */
  record Declared(String namespace, String name, boolean custom) {}

  private final Map<String, Declared> byChatName = new HashMap<>();

  ResponsesTools(JsonNode request) {
    for (JsonNode tool : request.path("tools")) {
      String type = tool.path("type").asText("");
      if (type.equals("namespace")) {
        String namespace = tool.path("name").asText("");
        for (JsonNode inner : tool.path("tools")) add(namespace, inner);
      } else {
        add(null, tool);
      }
    }
  }

  private void add(String namespace, JsonNode tool) {
    String type = tool.path("type").asText("");
    if (!tool.path("name").isTextual() || !(type.equals("function") || type.equals("custom"))) return;
    String name = tool.get("name").textValue();
    byChatName.put(chatName(namespace, name), new Declared(namespace, name, type.equals("custom")));
  }

  /** The name a tool goes by on a Chat backend. */
  static String chatName(String namespace, String name) {
    return namespace == null || namespace.isEmpty() ? name : namespace + NAMESPACE_SEPARATOR + name;
  }

  /** What a Chat tool call's name stands for; a name the request did not declare stands for a plain function. */
  Declared of(String chatName) {
    Declared d = byChatName.get(chatName);
    return d != null ? d : new Declared(null, chatName, false);
  }
}
