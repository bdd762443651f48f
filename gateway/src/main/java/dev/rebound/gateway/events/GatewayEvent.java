package dev.rebound.gateway.events;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One decision the gateway made (route chosen, upstream answered, retry, wait, fallback...), with the reason in
 * words and the facts behind it. Its severity says whether a person running the gateway should look at it. The
 * request id ties together every event of one client request (null for events of no request: breakers, config).
 */
public record GatewayEvent(Instant at, EventType type, String tenant, String sessionId, String reason, Map<String, Object> fields,
    Severity severity, String requestId) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** INFO: the gateway handled it. WARNING: a client got an error, or a backend was cut off. */
  public enum Severity { INFO, WARNING }

  public GatewayEvent {
    // an event re-made from another (forRequest, asWarning) keeps its fields: they are already a copy no one can change
    if (!(fields instanceof Fields)) fields = Fields.copyOf(fields);
  }

  /**
   * The fields of an event about to be made from a map its caller built for it alone and never touches again: the
   * event keeps that map instead of copying it (most decisions of every request are made this way).
   */
  public static Map<String, Object> fieldsOf(LinkedHashMap<String, Object> made) {
    return new Fields(Collections.unmodifiableMap(made));
  }

  /** The fields as an event holds them: its own ordered copy, read-only. */
  private static final class Fields extends AbstractMap<String, Object> {
    private final Map<String, Object> map;

    /** @param readOnly no one else holds it writable */
    private Fields(Map<String, Object> readOnly) {
      this.map = readOnly;
    }

    static Fields copyOf(Map<String, Object> fields) {
      return new Fields(Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
      return map.entrySet();
    }

    @Override
    public Object get(Object key) {
      return map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return map.containsKey(key);
    }

    @Override
    public int size() {
      return map.size();
    }
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

  /**
   * Writes the fields as members of the object {@code json} is in. The usual values (strings, integers, booleans) are
   * written directly: a serializer lookup per field costs more than the rest of an event's log line or session record.
   */
  public void writeFields(JsonGenerator json) throws IOException {
    for (Map.Entry<String, Object> field : fields.entrySet()) {
      json.writeFieldName(field.getKey());
      Object value = field.getValue();
      if (value instanceof String text) json.writeString(text);
      else if (value instanceof Integer || value instanceof Long) json.writeNumber(((Number) value).longValue());
      else if (value instanceof Boolean b) json.writeBoolean(b);
      else JSON.writeValue(json, value);
    }
  }

  /** The same event, made while serving the request {@code id}. */
  public GatewayEvent forRequest(String id) {
    return new GatewayEvent(at, type, tenant, sessionId, reason, fields, severity, id);
  }
}
