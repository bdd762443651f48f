package dev.rebound.gateway.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.routing.Protocol;
import java.util.List;

/** Anthropic Messages ({@code POST /v1/messages}, {@code /v1/messages/count_tokens}). */
public final class AnthropicMessages implements WireFormat {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SseEvent MESSAGE_STOP = SseEvent.of("message_stop", "{\"type\":\"message_stop\"}");

  @Override
  public Protocol protocol() {
    return Protocol.ANTHROPIC;
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.MESSAGES;
  }

  /** {@code {"type":"error","error":{type,message}}}. */
  @Override
  public String errorBody(ClientError e) {
    ObjectNode root = JSON.createObjectNode();
    root.put("type", "error");
    ObjectNode err = root.putObject("error");
    err.put("type", e.anthropicType());
    err.put("message", e.message());
    return root.toString();
  }

  @Override
  public String errorEvent(ClientError e) {
    return "event: error\ndata: " + errorBody(e) + "\n\n";
  }

  @Override
  public boolean isErrorBody(JsonNode body) {
    JsonNode err = body.get("error");
    return "error".equals(body.path("type").asText()) && err != null && err.isObject() && err.has("message");
  }

  /** The ping event Anthropic's own servers send. */
  @Override
  public String keepAlive() {
    return "event: ping\ndata: {\"type\": \"ping\"}\n\n";
  }

  @Override
  public SseEvent endOfStream() {
    return MESSAGE_STOP;
  }

  @Override
  public boolean isEndOfStream(SseEvent e) {
    return "message_stop".equals(e.event());
  }

  @Override
  public String answeredMessage(JsonNode answer) {
    if (!answer.has("content")) return null;
    ObjectNode m = JSON.createObjectNode().put("role", "assistant");
    m.set("content", answer.get("content"));
    return m.toString();
  }

  @Override
  public ObjectNode modelsListing(List<String> ids) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (String id : ids) {
      data.addObject().put("type", "model").put("id", id).put("display_name", id).put("created_at", "1970-01-01T00:00:00Z");
    }
    root.put("has_more", false);
    root.put("first_id", ids.isEmpty() ? null : ids.get(0));
    root.put("last_id", ids.isEmpty() ? null : ids.get(ids.size() - 1));
    return root;
  }
}
