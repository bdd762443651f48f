package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import java.util.function.Consumer;

/** An OpenAI Responses client (Codex CLI, the Agents SDK) served by a Chat Completions backend. */
final class ResponsesOverChat implements Translation {
  @Override
  public Protocol client() {
    return Protocol.OPENAI_RESPONSES;
  }

  @Override
  public Protocol backend() {
    return Protocol.OPENAI;
  }

  @Override
  public ObjectNode request(ObjectNode clientRequest, int defaultMaxTokens, Consumer<Dropped> dropped) {
    return ResponsesToChatRequest.translate(clientRequest, defaultMaxTokens, dropped);
  }

  /** Without the client's request: no settings echoed, no custom tools known. */
  @Override
  public ObjectNode answer(JsonNode backendAnswer) {
    return ChatToResponsesAnswer.translate(JsonNodeFactory.instance.objectNode(), backendAnswer);
  }

  @Override
  public ObjectNode answer(JsonNode clientRequest, JsonNode backendAnswer) {
    return ChatToResponsesAnswer.translate(clientRequest, backendAnswer);
  }

  @Override
  public StreamTranslator stream(JsonNode clientRequest) {
    return new ChatToResponsesStream(clientRequest);
  }
}
