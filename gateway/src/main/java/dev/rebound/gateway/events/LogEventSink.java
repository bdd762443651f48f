package dev.rebound.gateway.events;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
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
  /** The names {@link #line} writes before an event's own fields. */
  private static final Set<String> HEAD = Set.of("at", "event", "requestId", "session", "reason");

  @Override
  public void emit(GatewayEvent event) {
    Level level = event.severity() == GatewayEvent.Severity.WARNING ? Level.WARNING : Level.INFO;
    if (!LOG.isLoggable(level)) return;
    LOG.log(new EventLogRecord(level, LOGGER, event));
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

  /**
   * {@link #line} as text, written straight from the event ({@link GatewayEvent#writeFields}) without a tree, since the
   * log writer does this for every decision of every request.
   */
  static String text(GatewayEvent event) {
    Map<String, Object> fields = event.fields();
    for (String name : fields.keySet()) {
      if (HEAD.contains(name)) return line(event).toString(); // a field that replaces a head value, where it stands
    }
    StringWriter out = new StringWriter(160 + 24 * fields.size());
    try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("at", event.at().toString());
      json.writeStringField("event", event.type().id());
      if (event.requestId() != null) json.writeStringField("requestId", event.requestId());
      if (event.sessionId() != null) json.writeStringField("session", event.sessionId());
      json.writeStringField("reason", event.reason());
      event.writeFields(json);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
