package dev.rebound.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/** Renders a {@link ClientError} in a protocol's own error shape, as a body or as an SSE error event. */
public final class ProtocolErrors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ProtocolErrors() {}

  /** Anthropic clients always send anthropic-version; Messages paths are Anthropic's. Everything else gets OpenAI's shape. */
  public static Protocol protocolOf(String path, boolean anthropicVersion) {
    if (anthropicVersion || (path != null && path.toLowerCase(Locale.ROOT).contains("/messages"))) return Protocol.ANTHROPIC;
    return Protocol.OPENAI;
  }

  /** OpenAI {@code {"error":{message,type,param,code}}}; Anthropic {@code {"type":"error","error":{type,message}}}. */
  public static String body(Protocol protocol, ClientError e) {
    ObjectNode root = JSON.createObjectNode();
    if (protocol == Protocol.ANTHROPIC) {
      root.put("type", "error");
      ObjectNode err = root.putObject("error");
      err.put("type", e.anthropicType());
      err.put("message", e.message());
    } else {
      ObjectNode err = root.putObject("error");
      err.put("message", e.message());
      err.put("type", e.openAiType());
      err.put("param", e.param());
      err.put("code", e.code());
    }
    return root.toString();
  }

  /**
   * Answers with an error in the client's protocol. Before anything was sent it is a normal error response; inside a
   * stream that already started it is the protocol's error event, so the stream never ends looking complete; in a
   * plain body that already started, the connection is closed so the client sees a truncated answer.
   */
  public static void respond(RoutingContext ctx, Protocol protocol, ClientError error) {
    HttpServerResponse resp = ctx.response();
    if (resp.ended() || resp.closed()) return;
    if (!resp.headWritten()) {
      resp.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body(protocol, error));
      return;
    }
    String type = resp.headers().get(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.startsWith("text/event-stream")) resp.end(streamEvent(protocol, error));
    else ctx.request().connection().close();
  }

  /**
   * The error as it appears inside a stream that already started: Anthropic's {@code event: error}; for OpenAI a
   * {@code data:} line carrying the error object, with no {@code [DONE]} after it, so no client mistakes it for a
   * complete answer.
   */
  public static String streamEvent(Protocol protocol, ClientError e) {
    if (protocol == Protocol.ANTHROPIC) return "event: error\ndata: " + body(protocol, e) + "\n\n";
    return "data: " + body(protocol, e) + "\n\n";
  }
}
