package dev.rebound.gateway.cli;

import dev.rebound.gateway.config.LogConfig;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The process log: one {@link NonBlockingConsoleHandler} on the root logger. Its level comes from REBOUND_LOG_LEVEL,
 * read at startup; its format from {@code log.format}, switched once the config is read (text until then).
 */
final class ConsoleLog {
  private static final Logger LOG = Logger.getLogger("rebound");
  /** What people type, in any case; JUL's own names (SEVERE, FINE, ...) and numbers are taken too. */
  private static final Map<String, Level> NAMES = Map.ofEntries(
      Map.entry("trace", Level.FINEST), Map.entry("debug", Level.FINE), Map.entry("info", Level.INFO),
      Map.entry("warn", Level.WARNING), Map.entry("warning", Level.WARNING), Map.entry("error", Level.SEVERE),
      Map.entry("fatal", Level.SEVERE), Map.entry("off", Level.OFF), Map.entry("all", Level.ALL));

  private ConsoleLog() {}

  /** Replaces the JDK's console logging with ours, at the level named by {@code levelSetting} (null: INFO). */
  static void install(OutputStream out, String levelSetting) {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    NonBlockingConsoleHandler handler = new NonBlockingConsoleHandler(out, 16_384);
    handler.setFormatter(new TextLogFormatter());
    Level level = levelSetting == null || levelSetting.isBlank() ? Level.INFO : level(levelSetting);
    handler.setLevel(level == null ? Level.INFO : level);
    root.setLevel(level == null ? Level.INFO : level);
    root.addHandler(handler);
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
    if (level == null) {
      // a typo in a log level must not stop the gateway, nor go unnoticed
      LOG.warning("REBOUND_LOG_LEVEL '" + levelSetting.strip() + "' is not a level (debug, info, warn, error); logging at INFO");
    }
  }

  /** The level a person means by {@code text} (debug, Info, WARN, warning, severe, fine, 800...), null if none. */
  static Level level(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    Level named = NAMES.get(t);
    if (named != null) return named;
    try {
      return Level.parse(t.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Switches every root handler to {@code format}: what is logged from now on is written that way. */
  static void useFormat(LogConfig.Format format) {
    for (Handler h : Logger.getLogger("").getHandlers()) h.setFormatter(formatter(format));
  }

  static Formatter formatter(LogConfig.Format format) {
    return format == LogConfig.Format.JSON ? new JsonLogFormatter() : new TextLogFormatter();
  }
}
