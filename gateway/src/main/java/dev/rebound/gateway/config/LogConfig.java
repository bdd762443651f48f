package dev.rebound.gateway.config;

/** How the process log is written (the level comes from REBOUND_LOG_LEVEL, read before any config). */
public record LogConfig(Format format) {
  public static final LogConfig DEFAULT = new LogConfig(Format.TEXT);

  /** TEXT: one readable line per record, UTC time first. JSON: one JSON object per line, for log collectors. */
  public enum Format {
    TEXT, JSON;

    static final String[] TEXTS = {"text", "json"};

    static Format parse(String text) {
      return valueOf(text.toUpperCase(java.util.Locale.ROOT));
    }
  }
}
