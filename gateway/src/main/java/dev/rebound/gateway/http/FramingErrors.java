package dev.rebound.gateway.http;

import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;

/**
 * What a client is told when its request cannot be read as HTTP: the URI or headers are too long, the length is
 * ambiguous, a chunk is malformed. Each answer is JSON in a protocol's error shape, and the connection closes after
 * it: the bytes that follow a framing fault cannot be trusted to start a request.
 *
 * <p>The protocol is the path's (Anthropic for {@code /v1/messages}, or with an {@code anthropic-version} header) when
 * the head got that far, else OpenAI's: both protocols' SDKs read {@code error.message} and {@code error.type} from
 * it (Anthropic's shape nests the same two fields under {@code error}), so it is the one shape every client can read.
 */
final class FramingErrors {
  private FramingErrors() {}

  /**
   * The server's invalid-request handler: Vert.x calls it with a request whose head Netty could not decode (for a
   * request line too long to read, Netty's placeholder {@code GET /bad-request HTTP/1.0}).
   */
  static void answer(HttpServerRequest request, HttpServerOptions options) {
    ClientError error = forHead(request.decoderResult().cause(), options);
    WireFormat format = WireFormats.guess(request.path(), request.getHeader("anthropic-version") != null);
    request.response().setStatusCode(error.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(format.errorBody(error))
        .onComplete(done -> request.connection().close());
  }

  static ClientError forHead(Throwable cause, HttpServerOptions options) {
    if (cause instanceof TooLongHttpLineException) {
      return ClientError.uriTooLong("The request line is longer than " + options.getMaxInitialLineLength()
          + " bytes (the URI is too long); shorten the URI and send parameters in the JSON body.");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return ClientError.headersTooLarge("The request headers are larger than " + options.getMaxHeaderSize()
          + " bytes; send fewer or smaller headers.");
    }
    if (cause instanceof StrictRequestDecoder.AmbiguousLength) return ClientError.badFraming(cause.getMessage());
    return ClientError.badFraming("The request is not valid HTTP/1.1" + detail(cause)
        + "; check the request line and headers your client sends.");
  }

  /** A chunk of a chunked body that Netty could not decode (a size that is not hex, a missing line end). */
  static ClientError forBody(Throwable cause) {
    return ClientError.badFraming("The chunked request body is malformed" + detail(cause)
        + "; send chunk sizes as hex digits, each chunk followed by CRLF, or send a Content-Length body.");
  }

  /**
   * The whole response for {@code error}, for code below Vert.x's response (the connection's Netty pipeline): JSON in
   * {@code format}'s shape, saying the connection closes.
   */
  static FullHttpResponse response(WireFormat format, ClientError error) {
    byte[] body = format.errorBody(error).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(error.status()),
        Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return r;
  }

  /** Netty's own words, which may quote the client's bytes: cut short. */
  private static String detail(Throwable cause) {
    if (cause == null || cause.getMessage() == null) return "";
    String m = cause.getMessage();
    return " (" + (m.length() > 200 ? m.substring(0, 200) + "..." : m) + ")";
  }
}
