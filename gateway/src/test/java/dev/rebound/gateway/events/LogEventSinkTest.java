package dev.rebound.gateway.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

class LogEventSinkTest {

  @Test
  void anEventsLineWrittenStraightFromItIsTheLineItsTreeWrites() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("agent", "coder \"quoted\"\n");
    fields.put("attempt", 2);
    fields.put("elapsedMs", 1234567890123L);
    fields.put("share", 0.25);
    fields.put("retried", true);
    fields.put("plan", List.of("a", "b"));
    fields.put("limits", Map.of("requests", 5));
    fields.put("nothing", null);
    Instant at = Instant.parse("2026-12-04T23:34:14.142931135Z");
    List<GatewayEvent> events = List.of(
        new GatewayEvent(at, EventType.ANSWERED, "t", "s1", "answer complete", fields, GatewayEvent.Severity.INFO, "r1"),
        new GatewayEvent(at, EventType.ROUTE, null, null, null, Map.of()),
        // a field named like a head value replaces it where it stands, as the tree does
        new GatewayEvent(at, EventType.ROUTE, "t", "s1", "why", Map.of("reason", "the field's"), GatewayEvent.Severity.INFO,
            "r2"));
    for (GatewayEvent e : events) {
      assertEquals(LogEventSink.line(e).toString(), LogEventSink.text(e));
      assertEquals(LogEventSink.line(e).toString(), new EventLogRecord(Level.INFO, LogEventSink.LOGGER, e).getMessage());
    }
  }
}
