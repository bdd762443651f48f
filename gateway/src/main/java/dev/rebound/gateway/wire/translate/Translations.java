package dev.rebound.gateway.wire.translate;

import dev.rebound.routing.Protocol;

/** The one place that picks the translation between two wire formats. */
public final class Translations {
  private static final Translation MESSAGES_OVER_CHAT = new MessagesOverChat();
  private static final Translation CHAT_OVER_MESSAGES = new ChatOverMessages();

  private Translations() {}

  /** The translation for a client of {@code client} served by a backend of {@code backend}; null when they are the same. */
  public static Translation between(Protocol client, Protocol backend) {
    if (client == backend || client == null || backend == null) return null;
    return client == Protocol.ANTHROPIC ? MESSAGES_OVER_CHAT : CHAT_OVER_MESSAGES;
  }
}
