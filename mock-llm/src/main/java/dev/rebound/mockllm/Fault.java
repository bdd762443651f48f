package dev.rebound.mockllm;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scripted misbehaviour, as posted to {@code /_mock/faults}. All shaping fields may be combined:
 * the response waits {@code delayMs} before its headers, then (for streams) pauses {@code stallMs}
 * after {@code stallAfterChunks} content chunks, and is cut or errored after its chunk count.
 *
 * @param match                  which requests it applies to; {@code null} matches every provider request
 * @param times                  uses left; {@link #UNLIMITED} never runs out
 * @param status                 answer with this status instead of a normal answer
 * @param headers                extra response headers (also on otherwise normal answers)
 * @param body                   body for {@code status}: a JSON value, or a string sent raw
 * @param delayMs                wait before the response headers
 * @param stallMs                pause after {@code stallAfterChunks} chunks, then carry on normally
 * @param stallAfterChunks       where the stall happens
 * @param cutAfterChunks         close the connection after this many chunks
 * @param streamErrorAfterChunks send an error event after this many chunks and end the stream
 * @param event                  that error event: raw SSE text (String) or its data (JsonObject)
 */
public record Fault(
    Match match,
    int times,
    Integer status,
    Map<String, String> headers,
    Object body,
    long delayMs,
    long stallMs,
    int stallAfterChunks,
    Integer cutAfterChunks,
    Integer streamErrorAfterChunks,
    Object event) {

  public static final int UNLIMITED = -1;

  private static final Set<String> KEYS = Set.of("match", "times", "status", "headers", "body", "delayMs",
      "stallMs", "stallAfterChunks", "cutAfterChunks", "streamErrorAfterChunks", "event");
  private static final Set<String> MATCH_KEYS = Set.of("path", "model", "contains");

  /**
   * Which requests a fault applies to; every given field must hold.
   *
   * @param path     exact request path
   * @param model    exact {@code model} of the JSON body
   * @param contains substring of the raw request body
   */
  public record Match(String path, String model, String contains) {

    boolean matches(String requestPath, String requestModel, RawBody body) {
      return (path == null || path.equals(requestPath))
          && (model == null || model.equals(requestModel))
          && (contains == null || body.text().contains(contains));
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject();
      putIfPresent(json, "path", path);
      putIfPresent(json, "model", model);
      putIfPresent(json, "contains", contains);
      return json;
    }
  }

  /** The request body as text, decoded at most once and only if a fault needs it. */
  interface RawBody {
    String text();
  }

  public Fault {
    if (times != UNLIMITED && times < 1) {
      throw new IllegalArgumentException("times: must be -1 (unlimited) or >= 1, got " + times);
    }
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  public boolean isUnlimited() {
    return times == UNLIMITED;
  }

  /** A fault from its JSON form; errors name the offending field, e.g. {@code status: must be ...}. */
  public static Fault fromJson(JsonObject json) {
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(key + ": unknown fault field (expected one of " + KEYS + ")");
      }
    }
    Integer streamErrorAfter = optionalInt(json, "streamErrorAfterChunks", 0, Integer.MAX_VALUE);
    Object event = json.getValue("event");
    if (event != null && !(event instanceof String) && !(event instanceof JsonObject)) {
      throw new IllegalArgumentException("event: must be a string (raw SSE) or an object, got "
          + OptionsFile.describe(event));
    }
    if (event != null && streamErrorAfter == null) {
      throw new IllegalArgumentException("event: needs streamErrorAfterChunks");
    }
    Integer times = optionalInt(json, "times", Integer.MIN_VALUE, Integer.MAX_VALUE);
    Integer stallAfter = optionalInt(json, "stallAfterChunks", 0, Integer.MAX_VALUE);
    return new Fault(
        match(json.getValue("match")),
        times == null ? 1 : times,
        optionalInt(json, "status", 100, 599),
        headers(json.getValue("headers")),
        json.getValue("body"),
        millis(json, "delayMs"),
        millis(json, "stallMs"),
        stallAfter == null ? 0 : stallAfter,
        optionalInt(json, "cutAfterChunks", 0, Integer.MAX_VALUE),
        streamErrorAfter,
        event);
  }

  /** Faults from a JSON array or a single JSON object; errors are prefixed with the array index. */
  public static List<Fault> listFromJson(Object json) {
    if (json instanceof JsonObject single) {
      return List.of(fromJson(single));
    }
    if (!(json instanceof JsonArray array)) {
      throw new IllegalArgumentException("faults must be a JSON array or object, got " + OptionsFile.describe(json));
    }
    List<Fault> faults = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject item)) {
        throw new IllegalArgumentException("[" + i + "]: must be an object, got "
            + OptionsFile.describe(array.getValue(i)));
      }
      try {
        faults.add(fromJson(item));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("[" + i + "]." + e.getMessage(), e);
      }
    }
    return faults;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (match != null) {
      json.put("match", match.toJson());
    }
    json.put("times", times);
    putIfPresent(json, "status", status);
    if (!headers.isEmpty()) {
      json.put("headers", new JsonObject(new LinkedHashMap<>(headers)));
    }
    putIfPresent(json, "body", body);
    if (delayMs > 0) {
      json.put("delayMs", delayMs);
    }
    if (stallMs > 0) {
      json.put("stallMs", stallMs).put("stallAfterChunks", stallAfterChunks);
    }
    putIfPresent(json, "cutAfterChunks", cutAfterChunks);
    putIfPresent(json, "streamErrorAfterChunks", streamErrorAfterChunks);
    putIfPresent(json, "event", event);
    return json;
  }

  private static Match match(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw new IllegalArgumentException("match: must be an object, got " + OptionsFile.describe(value));
    }
    for (String key : json.fieldNames()) {
      if (!MATCH_KEYS.contains(key)) {
        throw new IllegalArgumentException("match." + key + ": unknown field (expected one of " + MATCH_KEYS + ")");
      }
    }
    return new Match(matchText(json, "path"), matchText(json, "model"), matchText(json, "contains"));
  }

  private static String matchText(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value != null && !(value instanceof String)) {
      throw new IllegalArgumentException("match." + key + ": must be a string, got " + OptionsFile.describe(value));
    }
    return (String) value;
  }

  private static Map<String, String> headers(Object value) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject json)) {
      throw new IllegalArgumentException("headers: must be an object, got " + OptionsFile.describe(value));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json) {
      Object v = e.getValue();
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw new IllegalArgumentException("headers." + e.getKey() + ": must be a string or number, got "
            + OptionsFile.describe(v));
      }
      headers.put(e.getKey(), String.valueOf(v));
    }
    return headers;
  }

  private static long millis(JsonObject json, String key) {
    Integer value = optionalInt(json, key, 0, Integer.MAX_VALUE);
    return value == null ? 0 : value;
  }

  private static Integer optionalInt(JsonObject json, String key, int min, int max) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    boolean integral = value instanceof Integer || value instanceof Long
        || (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()));
    long n = integral ? ((Number) value).longValue() : 0;
    if (!integral || n < min || n > max) {
      String range = min == Integer.MIN_VALUE ? "an integer" : "an integer in " + min + ".." + max;
      throw new IllegalArgumentException(key + ": must be " + range + ", got " + OptionsFile.describe(value));
    }
    return (int) n;
  }

  private static void putIfPresent(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
