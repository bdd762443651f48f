package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import java.util.function.Consumer;

/** An Anthropic Messages client (Claude Code, the anthropic SDKs) served by an OpenAI Chat Completions backend. */
final class MessagesOverChat implements Translation {
  @Override
  public Protocol client() {
    return Protocol.ANTHROPIC;
  }

  @Override
  public Protocol backend() {
    return Protocol.OPENAI;
  }

  @Override
  public ObjectNode request(ObjectNode clientRequest, int defaultMaxTokens, Consumer<Dropped> dropped) {
    return MessagesToChatRequest.translate(clientRequest, defaultMaxTokens, dropped);
  }

  @Override
  public ObjectNode answer(JsonNode backendAnswer) {
    return ChatToMessagesAnswer.translate(backendAnswer);
  }

  @Override
  public StreamTranslator stream(JsonNode clientRequest) {
    return new ChatToMessagesStream(clientRequest);
  }
}
