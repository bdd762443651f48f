package dev.rebound.gateway.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/** {@code log.format: text}: {@code 2025-06-20T17:11:30.123Z INFO logger message}, the time in UTC. */
final class TextLogFormatter extends Formatter {
  static final DateTimeFormatter UTC_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  @Override
  public String format(LogRecord r) {
    StringBuilder line = new StringBuilder(128)
        .append(UTC_MILLIS.format(r.getInstant())).append(' ')
        .append(r.getLevel().getName()).append(' ')
        .append(r.getLoggerName()).append(' ')
        .append(formatMessage(r));
    if (r.getThrown() != null) line.append('\n').append(stackTrace(r.getThrown()));
    return line.append('\n').toString();
  }

  static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString().stripTrailing();
  }
}
