package dev.rebound.routing;

import java.util.Locale;

/** The wire protocol a client speaks on the front, or a backend speaks on the back. */
public enum Protocol {
  OPENAI, ANTHROPIC;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Reads "openai" / "anthropic" in any case; null when the text names neither. */
  public static Protocol parse(String text) {
    if (text == null) return null;
    for (Protocol p : values()) if (p.id().equalsIgnoreCase(text.trim())) return p;
    return null;
  }
}
