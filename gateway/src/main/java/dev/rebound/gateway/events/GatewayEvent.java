package dev.rebound.gateway.events;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One decision the gateway made (route chosen, upstream answered, retry, wait, fallback...), with the reason in
 * words and the facts behind it. Its severity says whether a person running the gateway should look at it. The
 * request id ties together every event of one client request (null for events of no request: breakers, config).
 */
public record GatewayEvent(Instant at, EventType type, String tenant, String sessionId, String reason, Map<String, Object> fields,
    Severity severity, String requestId) {
  /** INFO: the gateway handled it. WARNING: a client got an error, or a backend was cut off. */
  public enum Severity { INFO, WARNING }

  public GatewayEvent {
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public GatewayEvent(Instant at, EventType type, String tenant, String sessionId, String reason, Map<String, Object> fields,
      Severity severity) {
    this(at, type, tenant, sessionId, reason, fields, severity, null);
  }

  public GatewayEvent(Instant at, EventType type, String tenant, String sessionId, String reason, Map<String, Object> fields) {
    this(at, type, tenant, sessionId, reason, fields, Severity.INFO);
  }

  /** An event that belongs to no session. */
  public GatewayEvent(Instant at, EventType type, String sessionId, String reason, Map<String, Object> fields) {
    this(at, type, null, sessionId, reason, fields);
  }

  /** The same event at WARNING. */
  public GatewayEvent asWarning() {
    return new GatewayEvent(at, type, tenant, sessionId, reason, fields, Severity.WARNING, requestId);
  }

  /** The same event, made while serving the request {@code id}. */
  public GatewayEvent forRequest(String id) {
    return new GatewayEvent(at, type, tenant, sessionId, reason, fields, severity, id);
  }
}
