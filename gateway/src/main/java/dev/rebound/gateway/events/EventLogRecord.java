package dev.rebound.gateway.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/** A decision's log record: its message is the event as one JSON line; a JSON log writes the fields themselves. */
public final class EventLogRecord extends LogRecord {
  private final transient ObjectNode event;

  EventLogRecord(Level level, String loggerName, ObjectNode event) {
    super(level, event.toString());
    this.event = event;
    setLoggerName(loggerName);
  }

  /** The event's fields, {@code at} first. */
  public ObjectNode event() {
    return event;
  }
}
