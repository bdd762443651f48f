package dev.rebound.gateway.wire.translate;

import dev.rebound.routing.Protocol;

/** The one place that picks the translation between two wire formats. */
public final class Translations {
  private Translations() {}

  /** The translation for a client of {@code client} served by a backend of {@code backend}; null when they are the same. */
  public static Translation between(Protocol client, Protocol backend) {
    if (client == backend) return null;
    throw new UnsupportedOperationException("no translation from " + client.id() + " to " + backend.id() + " yet");
  }
}
