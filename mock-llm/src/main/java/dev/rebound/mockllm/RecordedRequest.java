package dev.rebound.mockllm;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** One request the mock received. Outcome fields are updated by the event loop, read by anyone. */
final class RecordedRequest {

  private static final Set<String> SECRET_HEADERS =
      Set.of("authorization", "x-api-key", "api-key", "proxy-authorization");

  final long seq;
  final String method;
  final String path;
  final JsonObject headers;
  final Object body;
  final long receivedAt;
  private volatile Fault fault;
  private volatile Outcome outcome = Outcome.PENDING;
  private volatile int status;

  RecordedRequest(long seq, String method, String path, JsonObject headers, Object body, long receivedAt) {
    this.seq = seq;
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.body = body;
    this.receivedAt = receivedAt;
  }

  void fault(Fault fault) {
    this.fault = fault;
  }

  void status(int status) {
    this.status = status;
  }

  /** Settles the outcome once; later reports (e.g. the close that follows our own cut) are ignored. */
  void settle(Outcome outcome) {
    if (this.outcome == Outcome.PENDING) {
      this.outcome = outcome;
    }
  }

  Outcome outcome() {
    return outcome;
  }

  JsonObject toJson() {
    Fault f = fault;
    return new JsonObject()
        .put("seq", seq)
        .put("method", method)
        .put("path", path)
        .put("headers", headers)
        .put("body", body)
        .put("fault", f == null ? null : f.toJson())
        .put("outcome", outcome.wire)
        .put("status", status == 0 ? null : status)
        .put("receivedAt", receivedAt);
  }

  /** Lower-cased header names, repeated headers joined with ", ", secrets masked. */
  static JsonObject headersOf(MultiMap headers) {
    JsonObject json = new JsonObject();
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      String value = SECRET_HEADERS.contains(name) ? mask(h.getValue()) : h.getValue();
      String previous = json.getString(name);
      json.put(name, previous == null ? value : previous + ", " + value);
    }
    return json;
  }

  /** Keeps the first and last 4 characters so a test can tell keys apart without seeing them. */
  static String mask(String secret) {
    if (secret.length() <= 8) {
      return "****";
    }
    return secret.substring(0, 4) + "****" + secret.substring(secret.length() - 4);
  }
}
