package dev.rebound.routing;

import java.util.Locale;

/** The wire protocol a client speaks on the front, or a backend speaks on the back. */
public enum Protocol {
  /** OpenAI Chat Completions, as OpenAI and every OpenAI-compatible server speak it. */
  OPENAI,
  ANTHROPIC,
  /** OpenAI's Responses API (Codex CLI, the Agents SDK). */
  OPENAI_RESPONSES;

  /** The name in config and events: "openai", "anthropic", "openai-responses". */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Whether a backend of this protocol can serve a client of {@code client}: its own, and through translation any
   * other, except that a Responses backend serves only Responses clients (Chat and Messages clients are not
   * translated to it yet).
   */
  public boolean serves(Protocol client) {
    return client == this || this != OPENAI_RESPONSES;
  }

  /**
   * Whether this protocol and {@code other} come from the same provider, and so share its headers ({@code openai-*}
   * or {@code anthropic-*}) and the way its key is sent: Chat Completions and Responses are both OpenAI's.
   */
  public boolean sameProvider(Protocol other) {
    return other != null && (this == ANTHROPIC) == (other == ANTHROPIC);
  }

  /** Reads "openai" / "anthropic" / "openai-responses" in any case; null when the text names none. */
  public static Protocol parse(String text) {
    if (text == null) return null;
    for (Protocol p : values()) if (p.id().equalsIgnoreCase(text.trim())) return p;
    return null;
  }

  /** The ids, for messages that list what is accepted. */
  public static String ids() {
    StringBuilder b = new StringBuilder();
    for (Protocol p : values()) b.append(b.length() == 0 ? "" : ", ").append(p.id());
    return b.toString();
  }
}
