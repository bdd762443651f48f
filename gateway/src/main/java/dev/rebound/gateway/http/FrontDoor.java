package dev.rebound.gateway.http;

import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.pipeline.Exchange;
import dev.rebound.gateway.pipeline.RequestRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Turns a raw request into an {@link Exchange}, parsing the body once and checking what the gateway relies on; a bad
 * request is rejected here with a 4xx that names the field. Fields the gateway does not know pass through untouched.
 */
public abstract class FrontDoor {
  static final ObjectMapper JSON = new ObjectMapper()
      // exact numbers: the body may be re-emitted upstream
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  public Exchange open(RoutingContext ctx, Endpoint endpoint, String sessionId, RequestRecord record) {
    String contentType = ctx.request().getHeader("content-type");
    if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
      throw new GatewayException(ClientError.unsupportedMediaType(
          "Content-Type must be application/json (got " + (contentType == null ? "none" : "'" + contentType + "'")
              + "); send the request body as JSON."));
    }
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw new GatewayException(ClientError.invalidRequest("The request body is empty; send a JSON object.", null));
    }
    JsonNode root;
    try {
      root = JSON.readTree(body.getBytes());
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new GatewayException(ClientError.invalidRequest("The request body is not valid JSON"
          + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")")
          + ": " + e.getOriginalMessage(), null));
    } catch (java.io.IOException e) {
      throw new GatewayException(ClientError.invalidRequest("The request body could not be read: " + e.getMessage(), null));
    }
    if (root == null || !root.isObject()) {
      throw new GatewayException(ClientError.invalidRequest("The request body must be a JSON object.", null));
    }
    ObjectNode json = (ObjectNode) root;
    String model = requiredString(json, "model");
    validate(json, endpoint);
    boolean stream = false;
    JsonNode s = json.get("stream");
    if (s != null && !s.isNull()) {
      if (!s.isBoolean()) throw wrongType("stream", "a boolean");
      stream = s.booleanValue() && endpoint.streams();
    }
    return new Exchange(ctx, endpoint, body, json, model, stream, sessionId, record);
  }

  /** Protocol-specific checks of the parsed body. */
  protected abstract void validate(ObjectNode json, Endpoint endpoint);

  static String requiredString(ObjectNode json, String field) {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) throw missing(field);
    if (!n.isTextual()) throw wrongType(field, "a string");
    if (n.textValue().isBlank()) throw new GatewayException(ClientError.invalidRequest(field + ": must not be empty.", field));
    return n.textValue();
  }

  /** Output token limits: what a provider accepts and what the gateway's own arithmetic (an int) can hold. */
  static final long MIN_TOKENS = 1;
  static final long MAX_TOKENS = Integer.MAX_VALUE;

  /**
   * An integer field the gateway itself reads, absent or within [min, max]. Whole numbers written as decimals (2.0,
   * 1e3) pass: the upstream gets them as the client wrote them.
   */
  static void optionalInteger(ObjectNode json, String field, long min, long max) {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) return;
    if (!n.isNumber() || !n.canConvertToExactIntegral()) throw wrongType(field, "an integer");
    java.math.BigDecimal v = n.decimalValue();
    if (v.compareTo(java.math.BigDecimal.valueOf(min)) < 0 || v.compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
      String shown = n.asText();
      if (shown.length() > 24) shown = "a number of " + shown.length() + " characters";
      throw new GatewayException(ClientError.invalidRequest(field + ": must be an integer from " + min + " to " + max
          + ", but was " + shown + ".", field));
    }
  }

  static GatewayException missing(String field) {
    return new GatewayException(ClientError.invalidRequest(field + ": field required.", field));
  }

  static GatewayException wrongType(String field, String expected) {
    return new GatewayException(ClientError.invalidRequest(field + ": must be " + expected + ".", field));
  }

  static com.fasterxml.jackson.databind.node.ArrayNode requiredMessages(ObjectNode json) {
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
    return (com.fasterxml.jackson.databind.node.ArrayNode) n;
  }
}
