package dev.rebound.gateway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.events.EventLogRecord;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * {@code log.format: json}: one JSON object per line, {@code {"at","level","logger",...}}. A plain record adds
 * {@code message} (and {@code error}, its stack trace); a decision adds its own fields ({@code event}, {@code reason},
 * ...) with {@code at} the time it was made.
 */
final class JsonLogFormatter extends Formatter {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String format(LogRecord r) {
    ObjectNode line = JSON.createObjectNode();
    ObjectNode event = r instanceof EventLogRecord e ? e.event() : null;
    line.put("at", event != null && event.hasNonNull("at") ? event.get("at").asText()
        : TextLogFormatter.UTC_MILLIS.format(r.getInstant()));
    line.put("level", r.getLevel().getName());
    line.put("logger", r.getLoggerName());
    if (event != null) {
      event.fields().forEachRemaining(f -> {
        if (!line.has(f.getKey())) line.set(f.getKey(), f.getValue());
      });
    } else {
      line.put("message", formatMessage(r));
    }
    if (r.getThrown() != null) line.put("error", TextLogFormatter.stackTrace(r.getThrown()));
    // one object per line: Jackson escapes any newline inside a value
    return line.toString() + "\n";
  }
}
