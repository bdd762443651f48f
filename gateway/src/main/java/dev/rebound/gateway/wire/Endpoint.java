package dev.rebound.gateway.wire;

import dev.rebound.routing.Protocol;

/** The model endpoints the gateway serves, with the wire format each belongs to and its upstream path. */
public enum Endpoint {
  CHAT_COMPLETIONS(Protocol.OPENAI, "/v1/chat/completions"),
  MESSAGES(Protocol.ANTHROPIC, "/v1/messages"),
  COUNT_TOKENS(Protocol.ANTHROPIC, "/v1/messages/count_tokens"),
  RESPONSES(Protocol.OPENAI_RESPONSES, "/v1/responses");

  private final Protocol protocol;
  private final String path;

  Endpoint(Protocol protocol, String path) {
    this.protocol = protocol;
    this.path = path;
  }

  public Protocol protocol() {
    return protocol;
  }

  public String path() {
    return path;
  }

  /** Whether a response may be a stream at all (count_tokens never is). */
  public boolean streams() {
    return this != COUNT_TOKENS;
  }
}
