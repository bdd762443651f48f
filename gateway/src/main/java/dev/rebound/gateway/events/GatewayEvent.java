package dev.rebound.gateway.events;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One decision the gateway made (route chosen, upstream answered, retry, wait, fallback...), with the reason in
 * words and the facts behind it.
 */
public record GatewayEvent(Instant at, String type, String tenant, String sessionId, String reason, Map<String, Object> fields) {
  public GatewayEvent {
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** An event that belongs to no session. */
  public GatewayEvent(Instant at, String type, String sessionId, String reason, Map<String, Object> fields) {
    this(at, type, null, sessionId, reason, fields);
  }
}
