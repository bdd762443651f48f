package dev.rebound.gateway.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import java.util.TreeMap;

/**
 * Responses: the assistant's turn is its output items (messages, function calls, reasoning), each as the
 * {@code response.output_item.done} event carried it whole, in output order: what the client sends back as input.
 */
final class ResponsesMessageBuilder extends AssistantMessageBuilder {
  private final TreeMap<Integer, JsonNode> items = new TreeMap<>();
  private String responseId;

  @Override
  protected void observe(JsonNode d) {
    String type = d.path("type").asText();
    if (responseId == null && (type.equals("response.created") || type.equals("response.in_progress"))) {
      responseId = d.path("response").path("id").textValue();
    }
    if (!"response.output_item.done".equals(type)) return;
    JsonNode item = d.get("item");
    if (item != null && item.isObject()) items.put(d.path("output_index").asInt(items.size()), item);
  }

  @Override
  public String message() {
    ArrayNode output = JsonNodeFactory.instance.arrayNode();
    items.values().forEach(output::add);
    return turn(responseId, output).toString();
  }

  /**
   * The turn: {@code {"role":"assistant","response_id":id,"output":[items]}}, the items being what the next input
   * repeats, the id what a later {@code previous_response_id} names.
   */
  static ObjectNode turn(String responseId, ArrayNode output) {
    ObjectNode turn = JsonNodeFactory.instance.objectNode().put("role", "assistant");
    if (responseId != null) turn.put(ResponsesItems.RESPONSE_ID, responseId);
    turn.set("output", output);
    return turn;
  }
}
