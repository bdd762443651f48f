package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import java.util.function.Consumer;

/** An OpenAI Chat Completions client (the openai SDKs, opencode, aider) served by an Anthropic Messages backend. */
final class ChatOverMessages implements Translation {
  @Override
  public Protocol client() {
    return Protocol.OPENAI;
  }

  @Override
  public Protocol backend() {
    return Protocol.ANTHROPIC;
  }

  @Override
  public ObjectNode request(ObjectNode clientRequest, int defaultMaxTokens, Consumer<Dropped> dropped) {
    return ChatToMessagesRequest.translate(clientRequest, defaultMaxTokens, dropped);
  }

  @Override
  public ObjectNode answer(JsonNode backendAnswer) {
    return MessagesToChatAnswer.translate(backendAnswer);
  }

  @Override
  public StreamTranslator stream(JsonNode clientRequest) {
    return new MessagesToChatStream(clientRequest);
  }
}
