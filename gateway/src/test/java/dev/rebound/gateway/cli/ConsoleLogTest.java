package dev.rebound.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.LogConfig;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.events.LogEventSink;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class ConsoleLogTest {
  private static final Instant AT = Instant.parse("2025-06-20T17:11:30.123Z");

  @Test
  void theLogLevelIsReadTheWaysPeopleWriteItInAnyCase() {
    assertEquals(Level.WARNING, ConsoleLog.level("warn"));
    assertEquals(Level.WARNING, ConsoleLog.level("WARN"));
    assertEquals(Level.WARNING, ConsoleLog.level("Warning"));
    assertEquals(Level.SEVERE, ConsoleLog.level("error"));
    assertEquals(Level.SEVERE, ConsoleLog.level("SEVERE"));
    assertEquals(Level.INFO, ConsoleLog.level(" info "));
    assertEquals(Level.FINE, ConsoleLog.level("debug"));
    assertEquals(Level.FINE, ConsoleLog.level("fine"));
    assertEquals(Level.FINEST, ConsoleLog.level("trace"));
    assertEquals(Level.OFF, ConsoleLog.level("off"));
    assertEquals(Level.INFO, ConsoleLog.level("800"));
    assertNull(ConsoleLog.level("verbose"));
  }

  @Test
  void theTextLogPrintsUtcTimeWhateverTheMachinesZone() {
    TimeZone before = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
    try {
      LogRecord r = record(Level.INFO, "rebound", "hello");
      assertEquals("2025-06-20T17:11:30.123Z INFO rebound hello\n", new TextLogFormatter().format(r));
    } finally {
      TimeZone.setDefault(before);
    }
  }

  @Test
  void theJsonLogWritesPlainLinesAsOneObjectEachWithLevelLoggerAndMessage() {
    LogRecord r = record(Level.WARNING, "io.vertx.core.impl", "two\nlines \"quoted\"");
    r.setThrown(new IllegalStateException("boom"));
    String out = new JsonLogFormatter().format(r);
    assertTrue(out.endsWith("\n") && out.indexOf('\n') == out.length() - 1, "one line: " + out);
    JsonObject line = new JsonObject(out);
    assertEquals("2025-06-20T17:11:30.123Z", line.getString("at"));
    assertEquals("WARNING", line.getString("level"));
    assertEquals("io.vertx.core.impl", line.getString("logger"));
    assertEquals("two\nlines \"quoted\"", line.getString("message"));
    assertTrue(line.getString("error").startsWith("java.lang.IllegalStateException: boom"), line.getString("error"));
  }

  @Test
  void inJsonFormatEveryLineTheProcessLogsIsAJsonObjectDecisionsWithTheirOwnFieldsAndLevel() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    NonBlockingConsoleHandler handler = new NonBlockingConsoleHandler(out, 100);
    Logger root = Logger.getLogger("");
    Map<Handler, Formatter> before = new HashMap<>();
    for (Handler h : root.getHandlers()) before.put(h, h.getFormatter());
    root.addHandler(handler);
    try {
      ConsoleLog.useFormat(LogConfig.Format.JSON);
      Logger.getLogger("rebound").info("Rebound listening on http://0.0.0.0:8080");
      LogEventSink sink = new LogEventSink();
      sink.emit(new GatewayEvent(AT, EventType.ROUTE, "s1", "model gpt-4o -> assistant", Map.of("agent", "assistant")));
      sink.emit(new GatewayEvent(AT, EventType.GIVE_UP, "s1", "no agent left; answering rate_limit", Map.of("kind", "RATE_LIMITED"))
          .asWarning());
    } finally {
      root.removeHandler(handler);
      before.forEach(Handler::setFormatter);
      handler.close();
    }
    List<JsonObject> lines = new ArrayList<>();
    for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) lines.add(new JsonObject(l));
    assertEquals(3, lines.size(), lines.toString());
    assertEquals("Rebound listening on http://0.0.0.0:8080", lines.get(0).getString("message"));
    assertEquals("INFO", lines.get(0).getString("level"));
    assertEquals(List.of("at", "level", "logger", "event", "session", "reason", "agent"),
        new ArrayList<>(lines.get(1).fieldNames()));
    assertEquals("2025-06-20T17:11:30.123Z", lines.get(1).getString("at"));
    assertEquals("INFO", lines.get(1).getString("level"));
    assertEquals("rebound.events", lines.get(1).getString("logger"));
    assertEquals("route", lines.get(1).getString("event"));
    assertEquals("give-up", lines.get(2).getString("event"));
    assertEquals("WARNING", lines.get(2).getString("level"));
    assertEquals("RATE_LIMITED", lines.get(2).getString("kind"));
  }

  @Test
  void giveUpsAndBreakerOpeningsAreLoggedAtWarningOtherDecisionsAtInfo() {
    List<LogRecord> seen = new ArrayList<>();
    Handler capture = new Handler() {
      @Override public void publish(LogRecord r) { seen.add(r); }
      @Override public void flush() {}
      @Override public void close() {}
    };
    Logger events = Logger.getLogger("rebound.events");
    events.addHandler(capture);
    try {
      LogEventSink sink = new LogEventSink();
      sink.emit(new GatewayEvent(AT, EventType.RETRY, null, "429: waiting 1 s", Map.of()));
      sink.emit(new GatewayEvent(AT, EventType.BREAKER, null, "5 failures in 60 s", Map.of("to", "OPEN")).asWarning());
    } finally {
      events.removeHandler(capture);
    }
    assertEquals(List.of(Level.INFO, Level.WARNING), seen.stream().map(LogRecord::getLevel).toList());
    assertTrue(seen.get(1).getMessage().contains("\"event\":\"breaker\""), seen.get(1).getMessage());
  }

  private static LogRecord record(Level level, String logger, String message) {
    LogRecord r = new LogRecord(level, message);
    r.setLoggerName(logger);
    r.setInstant(AT);
    return r;
  }
}
