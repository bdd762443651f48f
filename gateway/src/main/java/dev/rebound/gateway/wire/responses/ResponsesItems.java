package dev.rebound.gateway.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Responses conversation (the {@code input} items) as a session keeps it, and back. A session stores one message per
 * turn part, as for the other formats: a user, system or developer message item as it is; the items the model made in
 * one answer (its messages, function and custom tool calls, reasoning, hosted tool calls) as one assistant message
 * {@code {"role":"assistant","output":[items]}}, the very shape the gateway stores an answer in; the outputs the client
 * sends back for them as one {@code {"role":"tool","output":[items]}}. So a client that resends the whole conversation
 * (store: false, as Codex does) extends the stored history turn by turn, and a stored history becomes input again.
 */
public final class ResponsesItems {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** The field an assistant turn keeps the response id in: what {@code previous_response_id} names. */
  public static final String RESPONSE_ID = "response_id";

  private ResponsesItems() {}

  /** The request's input as a list of items: a string input is one user message. */
  public static ArrayNode input(JsonNode request) {
    JsonNode input = request.get("input");
    if (input != null && input.isArray()) return (ArrayNode) input;
    ArrayNode items = NODES.arrayNode();
    if (input != null && input.isTextual()) items.addObject().put("role", "user").put("content", input.textValue());
    return items;
  }

  /** The input items grouped into the messages a session stores. */
  public static ArrayNode toSession(JsonNode items) {
    ArrayNode out = NODES.arrayNode();
    ObjectNode group = null;
    String groupRole = null;
    for (JsonNode item : items) {
      String role = sideOf(item);
      if (role.equals("assistant") || role.equals("tool")) {
        if (group == null || !role.equals(groupRole)) {
          group = out.addObject().put("role", role);
          group.putArray("output");
          groupRole = role;
        }
        ((ArrayNode) group.get("output")).add(item);
      } else {
        out.add(item);
        group = null;
        groupRole = null;
      }
    }
    return out;
  }

  /** Stored session messages as input items again (an answer's items in order, the response id left behind). */
  public static ArrayNode toItems(Iterable<JsonNode> sessionMessages) {
    ArrayNode out = NODES.arrayNode();
    for (JsonNode m : sessionMessages) {
      JsonNode output = m.get("output");
      String role = m.path("role").asText();
      if ((role.equals("assistant") || role.equals("tool")) && output != null && output.isArray()) {
        output.forEach(out::add);
      } else {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Who said the item: a message by its role; a tool's output ({@code *_output}) the tool; every other item (a
   * function, custom or hosted tool call, reasoning, a reference) the model.
   */
  static String sideOf(JsonNode item) {
    String type = item.path("type").asText("message");
    if (type.equals("message")) {
      String role = item.path("role").asText("user");
      return role.equals("assistant") ? "assistant" : role;
    }
    return type.endsWith("_output") ? "tool" : "assistant";
  }
}
