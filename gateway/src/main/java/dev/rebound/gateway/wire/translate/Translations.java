package dev.rebound.gateway.wire.translate;

import dev.rebound.routing.Protocol;

/** The one place that picks the translation between two wire formats. */
public final class Translations {
  private static final Translation MESSAGES_OVER_CHAT = new MessagesOverChat();
  private static final Translation CHAT_OVER_MESSAGES = new ChatOverMessages();
  private static final Translation RESPONSES_OVER_CHAT = new ResponsesOverChat();
  private static final Translation RESPONSES_OVER_MESSAGES = new Composed(RESPONSES_OVER_CHAT, CHAT_OVER_MESSAGES);

  private Translations() {}

  /**
   * The translation for a client of {@code client} served by a backend of {@code backend}; null when they are the
   * same, or when there is none (Chat and Messages clients on a Responses backend: routing never plans that).
   */
  public static Translation between(Protocol client, Protocol backend) {
    if (client == backend || client == null || backend == null) return null;
    return switch (client) {
      case ANTHROPIC -> backend == Protocol.OPENAI ? MESSAGES_OVER_CHAT : null;
      case OPENAI -> backend == Protocol.ANTHROPIC ? CHAT_OVER_MESSAGES : null;
      case OPENAI_RESPONSES -> backend == Protocol.OPENAI ? RESPONSES_OVER_CHAT : RESPONSES_OVER_MESSAGES;
    };
  }
}
