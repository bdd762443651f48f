package dev.rebound.gateway.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;

/**
 * The checks every format's request validation is made of: each rejects a bad field with a 400 that names it. Fields
 * the gateway does not read are never checked: they pass through untouched.
 */
public final class RequestFields {
  /** Output token limits: what a provider accepts and what the gateway's own arithmetic (an int) can hold. */
  public static final long MIN_TOKENS = 1;
  public static final long MAX_TOKENS = Integer.MAX_VALUE;

  private RequestFields() {}

  public static String requiredString(ObjectNode json, String field) {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) throw missing(field);
    if (!n.isTextual()) throw wrongType(field, "a string");
    if (n.textValue().isBlank()) throw new GatewayException(ClientError.invalidRequest(field + ": must not be empty.", field));
    return n.textValue();
  }

  /**
   * An integer field the gateway itself reads, absent or within [min, max]. Whole numbers written as decimals (2.0,
   * 1e3) pass: the upstream gets them as the client wrote them.
   */
  public static void optionalInteger(ObjectNode json, String field, long min, long max) {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) return;
    if (!n.isNumber() || !n.canConvertToExactIntegral()) throw wrongType(field, "an integer");
    BigDecimal v = n.decimalValue();
    if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
      String shown = n.asText();
      if (shown.length() > 24) shown = "a number of " + shown.length() + " characters";
      throw new GatewayException(ClientError.invalidRequest(field + ": must be an integer from " + min + " to " + max
          + ", but was " + shown + ".", field));
    }
  }

  /** A field that is absent or null, or else an array. */
  public static void optionalArray(ObjectNode json, String field) {
    JsonNode n = json.get(field);
    if (n != null && !n.isNull() && !n.isArray()) throw wrongType(field, "an array");
  }

  /** A non-empty array of objects, each with a string role. */
  public static ArrayNode requiredMessages(ObjectNode json) {
    JsonNode n = json.get("messages");
    if (n == null || n.isNull()) throw missing("messages");
    if (!n.isArray()) throw wrongType("messages", "an array of message objects");
    if (n.isEmpty()) throw new GatewayException(ClientError.invalidRequest("messages: must contain at least one message.", "messages"));
    for (int i = 0; i < n.size(); i++) {
      JsonNode m = n.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) throw wrongType(at, "an object with role and content");
      JsonNode role = m.get("role");
      if (role == null || role.isNull()) throw missing(at + ".role");
      if (!role.isTextual()) throw wrongType(at + ".role", "a string");
    }
    return (ArrayNode) n;
  }

  public static GatewayException missing(String field) {
    return new GatewayException(ClientError.invalidRequest(field + ": field required.", field));
  }

  public static GatewayException wrongType(String field, String expected) {
    return new GatewayException(ClientError.invalidRequest(field + ": must be " + expected + ".", field));
  }

  /** A body the gateway reads must say it is JSON: anything else is a 415 before the body is looked at. */
  public static void requireJson(String contentType) {
    if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
      throw new GatewayException(ClientError.unsupportedMediaType(
          "Content-Type must be application/json (got " + (contentType == null ? "none" : "'" + contentType + "'")
              + "); send the request body as JSON."));
    }
  }
}
