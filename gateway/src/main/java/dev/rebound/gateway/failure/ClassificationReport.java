package dev.rebound.gateway.failure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pure core of {@code rebound classify [FILE]}: one JSON line in ({@code status, headers, body, stream}),
 * one JSON line out ({@code kind, retryAfterSeconds, contextLimit, requestedTokens, provider, message}).
 * A line it cannot read yields {@code {"error":"..."}} instead of an exception, so one bad line never stops a file.
 */
public final class ClassificationReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClassificationReport() {}

  public static String classifyJsonLine(FailureClassifier classifier, String jsonLine) {
    return classify(classifier, jsonLine).json();
  }

  /**
   * One line's answer: the classification, or ({@code unreadable}) {@code {"error":"..."}} saying why the line could
   * not be read, so a caller can count the bad lines.
   */
  public record Answer(String json, boolean unreadable) {
    /** The same answer, an unreadable one naming its line: {@code {"line":3,"error":"..."}}. */
    public Answer atLine(long lineNumber) {
      if (!unreadable) return this;
      try {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("line", lineNumber);
        out.put("error", JSON.readTree(json).path("error").asText());
        return new Answer(write(out), true);
      } catch (JsonProcessingException e) {
        return this;
      }
    }
  }

  public static Answer classify(FailureClassifier classifier, String jsonLine) {
    JsonNode in;
    try {
      in = jsonLine == null ? null : JSON.readTree(jsonLine);
    } catch (JsonProcessingException e) {
      return unreadable("not JSON: " + e.getOriginalMessage());
    }
    if (in == null || !in.isObject()) return unreadable("expected a JSON object with status, headers, body, stream");
    JsonNode status = in.get("status");
    if (status == null || !(status.isInt() || status.isTextual() && status.asText().strip().matches("\\d{1,3}"))) {
      return unreadable("status must be an HTTP status code");
    }
    JsonNode headers = in.path("headers");
    if (!headers.isMissingNode() && !headers.isNull() && !headers.isObject()) return unreadable("headers must be an object");
    JsonNode stream = in.path("stream");
    if (!stream.isMissingNode() && !stream.isNull() && !stream.isBoolean()) {
      return unreadable("stream must be true or false");
    }

    Failure f = classifier.classify(Integer.parseInt(status.asText().strip()), headers(headers), body(in.get("body")),
        stream.asBoolean(false));
    return new Answer(toJson(f), false);
  }

  /** A line that could not be read at all (not UTF-8, too long): its answer, like any other unreadable line's. */
  public static Answer unreadable(String message) {
    return new Answer(error(message), true);
  }

  /** The body as sent: a string stays as it is, a JSON value is the JSON text the server would have sent. */
  private static String body(JsonNode body) {
    if (body == null || body.isNull()) return "";
    return body.isTextual() ? body.asText() : body.toString();
  }

  private static Map<String, String> headers(JsonNode node) {
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (node == null || !node.isObject()) return h;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isArray()) {
        StringBuilder joined = new StringBuilder();
        v.forEach(x -> joined.append(joined.length() == 0 ? "" : ", ").append(x.asText()));
        h.put(e.getKey(), joined.toString());
      } else if (!v.isNull()) {
        h.put(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
      }
    }
    return h;
  }

  private static String toJson(Failure f) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", f.kind().name());
    Duration wait = f.retryAfter();
    out.put("retryAfterSeconds", wait == null ? null : wait.getSeconds() + wait.getNano() / 1e9);
    out.put("contextLimit", f.contextLimit());
    out.put("requestedTokens", f.requestedTokens());
    out.put("promptTokens", f.promptTokens());
    out.put("provider", f.provider());
    out.put("message", f.message());
    return write(out);
  }

  private static String error(String message) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", message);
    return write(out);
  }

  private static String write(Map<String, Object> out) {
    try {
      return JSON.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      return "{\"error\":\"cannot write result\"}";
    }
  }
}
