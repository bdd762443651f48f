package dev.rebound.gateway.admin;

import dev.rebound.gateway.time.DurationText;
import dev.rebound.routing.Protocol;
import dev.rebound.store.SessionKey;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Everything an admin call reads from its path, query and body, typed and checked in one place. A value the API cannot
 * act on is {@link Rejected}: a 400 that names the parameter, the value and what is expected, or a 404 for a tenant
 * that is not configured, before any store is asked.
 */
final class AdminParams {
  /** Event ids as the stores give them out: a number (embedded) or a Redis stream id ({@code ms-seq}). */
  private static final Pattern EVENT_ID = Pattern.compile("\\d{1,19}(-\\d{1,19})?");
  static final int MAX_LABEL = 256;

  /** A parameter the admin API cannot act on; the status and message are the answer. */
  static final class Rejected extends RuntimeException {
    final int status;

    Rejected(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private final RoutingContext ctx;
  private final List<String> tenants;
  private JsonObject body;

  AdminParams(RoutingContext ctx, List<String> tenants) {
    this.ctx = ctx;
    this.tenants = tenants;
  }

  /** {@code ?tenant=}, the first configured tenant when absent; one that is not configured is a 404. */
  String tenant() {
    String t = ctx.request().getParam("tenant");
    if (t == null) return tenants.get(0);
    if (!SessionKey.TENANT.matcher(t).matches()) {
      throw bad("tenant", t, "a tenant name: 1 to 64 letters, digits, '.', '_' or '-'");
    }
    if (!tenants.contains(t)) {
      throw new Rejected(404, "No tenant '" + t + "' is configured; the tenants are: " + String.join(", ", tenants) + ".");
    }
    return t;
  }

  /** The session named by the path's {@code :id}, in {@link #tenant()}. */
  SessionKey session() {
    String tenant = tenant();
    String id = ctx.pathParam("id");
    return new SessionKey(tenant, sessionId("session id", id));
  }

  /** A checkpoint number in the path ({@code :seq}). */
  int pathSeq(String name) {
    String text = ctx.pathParam(name);
    return parseInt(name, text, 1, Integer.MAX_VALUE, "a checkpoint number (an integer from 1)");
  }

  int queryInt(String name, int fallback, int min, int max) {
    String text = ctx.request().getParam(name);
    if (text == null) return fallback;
    return parseInt(name, text, min, max, "an integer from " + min + " to " + max);
  }

  /** A duration of whole minutes within [min, max] ({@code 15m}, {@code 1h}, {@code 24h}); {@code fallback} when absent. */
  java.time.Duration queryMinutes(String name, java.time.Duration fallback, java.time.Duration min, java.time.Duration max) {
    String text = ctx.request().getParam(name);
    if (text == null) return fallback;
    String expected = "a duration of whole minutes from " + DurationText.format(min) + " to " + DurationText.format(max)
        + " (e.g. 15m, 1h, 24h)";
    java.time.Duration d;
    try {
      d = DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw bad(name, text, expected);
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0 || d.toSeconds() % 60 != 0 || d.toNanosPart() != 0) {
      throw bad(name, text, expected);
    }
    return d;
  }

  boolean queryFlag(String name) {
    String text = ctx.request().getParam(name);
    if (text == null || text.equalsIgnoreCase("false")) return false;
    if (text.equalsIgnoreCase("true")) return true;
    throw bad(name, text, "true or false");
  }

  /** An event id from an earlier answer, or null (from the oldest). */
  String eventId(String name) {
    String text = ctx.request().getParam(name);
    if (text == null) return null;
    if (!EVENT_ID.matcher(text).matches()) throw bad(name, text, "an event id as an earlier answer gave it (\"id\")");
    return text;
  }

  Protocol protocol(String name, Protocol fallback) {
    String text = ctx.request().getParam(name);
    if (text == null) return fallback;
    Protocol p = Protocol.parse(text);
    if (p == null) throw bad(name, text, "one of " + Protocol.ids());
    return p;
  }

  /** The JSON object body; an empty body is an empty object. */
  JsonObject body() {
    if (body != null) return body;
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) return body = new JsonObject();
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new Rejected(400, "The body must be a JSON object: " + e.getMessage());
    }
    if (!(parsed instanceof JsonObject o)) throw new Rejected(400, "The body must be a JSON object.");
    return body = o;
  }

  /** A required whole number in the body, within [min, max]. */
  int bodyInt(String name, int min, int max, String what) {
    Object v = body().getValue(name);
    if (v == null) throw new Rejected(400, name + " (" + what + ") is required.");
    BigDecimal d = v instanceof Number n ? decimal(n) : null;
    // 2.0 is the whole number 2; 2.5 is not a checkpoint
    if (d != null && d.stripTrailingZeros().scale() <= 0 && d.compareTo(BigDecimal.valueOf(min)) >= 0
        && d.compareTo(BigDecimal.valueOf(max)) <= 0) {
      return d.intValueExact();
    }
    throw bad(name, v instanceof String s ? s : String.valueOf(v), what + ": an integer from " + min + " to " + max
        + (v instanceof String ? " (a JSON number, not a string)" : ""));
  }

  /** A required number in the body, within [min, max]. */
  double bodyNumber(String name, double min, double max, String what) {
    Object v = body().getValue(name);
    if (v == null) throw new Rejected(400, name + " (" + what + ") is required.");
    if (v instanceof Number n && n.doubleValue() >= min && n.doubleValue() <= max) return n.doubleValue();
    throw bad(name, v instanceof String s ? s : String.valueOf(v), what + ": a number from " + BigDecimal.valueOf(min).stripTrailingZeros().toPlainString()
        + " to " + BigDecimal.valueOf(max).stripTrailingZeros().toPlainString()
        + (v instanceof String ? " (a JSON number, not a string)" : ""));
  }

  /** An optional string in the body, at most {@code maxLength} characters. */
  String bodyString(String name, String fallback, int maxLength) {
    Object v = body().getValue(name);
    if (v == null) return fallback;
    if (!(v instanceof String s)) throw bad(name, String.valueOf(v), "a string");
    if (s.length() > maxLength) throw bad(name, s, "a string of at most " + maxLength + " characters");
    return s;
  }

  /** An optional session id in the body. */
  String bodySessionId(String name, String fallback) {
    String id = bodyString(name, null, Integer.MAX_VALUE);
    return id == null ? fallback : sessionId(name, id);
  }

  private static String sessionId(String name, String id) {
    if (id == null || !SessionKey.ID.matcher(id).matches()) {
      throw bad(name, id, "1 to 128 letters, digits, '.', '_', ':' or '-'");
    }
    return id;
  }

  private static int parseInt(String name, String text, int min, int max, String expected) {
    try {
      long v = Long.parseLong(text);
      if (v >= min && v <= max) return (int) v;
    } catch (NumberFormatException e) {
      // named below
    }
    throw bad(name, text, expected);
  }

  private static BigDecimal decimal(Number n) {
    try {
      return new BigDecimal(n.toString());
    } catch (NumberFormatException e) {
      return null; // NaN, Infinity
    }
  }

  static Rejected bad(String name, String value, String expected) {
    return new Rejected(400, name + " must be " + expected + ", but was " + shown(value) + ".");
  }

  /** A value as the message quotes it: control characters escaped, long ones cut. */
  private static String shown(String value) {
    if (value == null) return "missing";
    String v = value.length() > 64 ? value.substring(0, 64) + "... (" + value.length() + " characters)" : value;
    StringBuilder out = new StringBuilder("'");
    for (char c : v.toCharArray()) {
      if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
          || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('\'').toString();
  }
}
