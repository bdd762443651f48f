package dev.rebound.gateway.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * A decision's log record: its message is the event as one JSON line; a JSON log writes the fields themselves. Both are
 * made on first use, by the thread that writes the log, not by the event loop that made the decision.
 */
public final class EventLogRecord extends LogRecord {
  private final transient GatewayEvent source;
  private transient ObjectNode event;

  EventLogRecord(Level level, String loggerName, GatewayEvent source) {
    super(level, null);
    this.source = source;
    setLoggerName(loggerName);
  }

  /** The event's fields, {@code at} first. */
  public synchronized ObjectNode event() {
    if (event == null) event = LogEventSink.line(source);
    return event;
  }

  @Override
  public synchronized String getMessage() {
    String message = super.getMessage();
    if (message == null) {
      message = LogEventSink.text(source);
      setMessage(message);
    }
    return message;
  }
}
