package dev.rebound.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.pipeline.Exchange;
import dev.rebound.gateway.pipeline.RequestRecord;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.RequestFields;
import dev.rebound.gateway.wire.formats.WireFormats;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;

/**
 * Turns a raw request into an {@link Exchange}, parsing the body once and checking what the gateway relies on (the
 * endpoint's wire format checks its own fields); a bad request is rejected here with a 4xx that names the field.
 * Fields the gateway does not know pass through untouched.
 */
public final class FrontDoor {
  static final ObjectMapper JSON = new ObjectMapper()
      // exact numbers: the body may be re-emitted upstream
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  public Exchange open(RoutingContext ctx, Endpoint endpoint, String sessionId, RequestRecord record) {
    RequestFields.requireJson(ctx.request().getHeader("content-type"));
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw new GatewayException(ClientError.invalidRequest("The request body is empty; send a JSON object.", null));
    }
    JsonNode root;
    try {
      root = readTree(body);
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
    String model = RequestFields.requiredString(json, "model");
    WireFormats.of(endpoint.protocol()).validate(json, endpoint);
    boolean stream = false;
    JsonNode s = json.get("stream");
    if (s != null && !s.isNull()) {
      if (!s.isBoolean()) throw RequestFields.wrongType("stream", "a boolean");
      stream = s.booleanValue() && endpoint.streams();
    }
    return new Exchange(ctx, endpoint, body, json, model, stream, sessionId, record);
  }

  /** The body parsed where it lies (the heap buffer {@link RequestBodyReader} filled), not from a copy of it. */
  private static JsonNode readTree(Buffer body) throws java.io.IOException {
    ByteBuf bytes = ((BufferInternal) body).getByteBuf();
    if (!bytes.hasArray()) return JSON.readTree(body.getBytes());
    return JSON.readTree(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
  }
}
