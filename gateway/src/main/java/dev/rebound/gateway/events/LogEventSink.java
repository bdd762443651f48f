package dev.rebound.gateway.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes each event as one JSON line to the log, so decisions can be grepped and parsed (a request's by its
 * {@code requestId}); at WARNING when the event says so (a give-up, a breaker opening), else at INFO. The line is made
 * by the log's writer thread ({@link EventLogRecord}): events are immutable, and the event loop only hands them over.
 */
public final class LogEventSink implements EventSink {
  static final String LOGGER = "rebound.events";
  private static final Logger LOG = Logger.getLogger(LOGGER);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public void emit(GatewayEvent event) {
    Level level = event.severity() == GatewayEvent.Severity.WARNING ? Level.WARNING : Level.INFO;
    if (!LOG.isLoggable(level)) return;
    LOG.log(new EventLogRecord(level, LOGGER, event, LogEventSink::line));
  }

  /** The event as the log writes it: {@code at} first, then what it is, whose, why, and its fields. */
  static ObjectNode line(GatewayEvent event) {
    ObjectNode line = JSON.createObjectNode();
    line.put("at", event.at().toString());
    line.put("event", event.type().id());
    if (event.requestId() != null) line.put("requestId", event.requestId());
    if (event.sessionId() != null) line.put("session", event.sessionId());
    line.put("reason", event.reason());
    event.fields().forEach((k, v) -> line.putPOJO(k, v));
    return line;
  }
}
