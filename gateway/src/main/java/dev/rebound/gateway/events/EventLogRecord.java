package dev.rebound.gateway.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * A decision's log record: its message is the event as one JSON line; a JSON log writes the fields themselves. Both are
 * made on first use, by the thread that writes the log, not by the event loop that made the decision.
 */
public final class EventLogRecord extends LogRecord {
  private final transient GatewayEvent source;
  private final transient Function<GatewayEvent, ObjectNode> line;
  private transient ObjectNode event;

  EventLogRecord(Level level, String loggerName, GatewayEvent source, Function<GatewayEvent, ObjectNode> line) {
    super(level, null);
    this.source = source;
    this.line = line;
    setLoggerName(loggerName);
  }

  /** The event's fields, {@code at} first. */
  public synchronized ObjectNode event() {
    if (event == null) event = line.apply(source);
    return event;
  }

  @Override
  public synchronized String getMessage() {
    String message = super.getMessage();
    if (message == null) {
      message = event().toString();
      setMessage(message);
    }
    return message;
  }
}
