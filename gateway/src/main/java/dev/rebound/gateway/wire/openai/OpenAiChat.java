package dev.rebound.gateway.wire.openai;

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

/** OpenAI Chat Completions ({@code POST /v1/chat/completions}), as OpenAI and every OpenAI-compatible server speak it. */
public final class OpenAiChat implements WireFormat {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SseEvent DONE = SseEvent.of(null, "[DONE]");

  @Override
  public Protocol protocol() {
    return Protocol.OPENAI;
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.CHAT_COMPLETIONS;
  }

  /** {@code {"error":{message,type,param,code}}}. */
  @Override
  public String errorBody(ClientError e) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("message", e.message());
    err.put("type", e.openAiType());
    err.put("param", e.param());
    err.put("code", e.code());
    return root.toString();
  }

  /** A {@code data:} line carrying the error object, with no {@code [DONE]} after it. */
  @Override
  public String errorEvent(ClientError e) {
    return "data: " + errorBody(e) + "\n\n";
  }

  @Override
  public boolean isErrorBody(JsonNode body) {
    JsonNode err = body.get("error");
    return err != null && err.isObject() && err.has("message");
  }

  /** An SSE comment: every OpenAI client ignores it. */
  @Override
  public String keepAlive() {
    return ": keep-alive\n\n";
  }

  @Override
  public SseEvent endOfStream() {
    return DONE;
  }

  @Override
  public boolean isEndOfStream(SseEvent e) {
    return e.isDone();
  }

  @Override
  public String answeredMessage(JsonNode answer) {
    JsonNode message = answer.path("choices").path(0).path("message");
    return message.isObject() ? message.toString() : null;
  }

  @Override
  public ObjectNode modelsListing(List<String> ids) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (String id : ids) data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", "rebound");
    root.put("object", "list");
    return root;
  }
}
