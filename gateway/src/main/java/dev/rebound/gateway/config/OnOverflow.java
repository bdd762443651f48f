package dev.rebound.gateway.config;

import java.util.Locale;

/** What to do when a conversation does not fit an agent's context window ({@code context.onOverflow}). */
public enum OnOverflow {
  /** Drop the oldest whole turns, keeping the system prompt, pinned messages and the newest turns. */
  TRUNCATE("truncate"),
  /** Replace the dropped turns with one summary written by the summarizer agent; truncate if that fails. */
  SUMMARIZE("summarize"),
  /** Move to an agent of the plan whose window fits the whole conversation; truncate when none does. */
  LARGER_WINDOW("larger-window"),
  /** Answer with the overflow error in the client's own shape. */
  FAIL("fail");

  private final String text;

  OnOverflow(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  static final String[] TEXTS = {"truncate", "summarize", "larger-window", "fail"};

  static OnOverflow parse(String text) {
    return text == null ? null : valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** The policy named by {@code text} (truncate, summarize, larger-window, fail); null when it names none. */
  public static OnOverflow fromText(String text) {
    if (text == null) return null;
    for (OnOverflow o : values()) if (o.text.equalsIgnoreCase(text.trim())) return o;
    return null;
  }
}
