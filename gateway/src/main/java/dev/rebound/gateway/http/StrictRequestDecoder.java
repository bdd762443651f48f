package dev.rebound.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Vert.x's request decoder, strict about how long a request is. Netty reads a request that has both Content-Length and
 * Transfer-Encoding by the latter and drops the former: a front proxy that framed it by Content-Length then forwards
 * bytes that the gateway reads as a second request (request smuggling, RFC 9112 6.1). Such a request, a
 * Transfer-Encoding that does not end in chunked (its length cannot be known, RFC 9112 6.3) and Transfer-Encoding on
 * HTTP/1.0 become invalid messages instead: Vert.x hands them to the invalid-request handler, the decoder discards
 * every byte after them, and the connection closes after the answer.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

  StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  /** A request head whose body length cannot be trusted; the message is what the client is told (no stack trace: any client can cause it). */
  static final class AmbiguousLength extends RuntimeException {
    AmbiguousLength(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The last call Netty makes with the whole head, before it picks how to read the body (and before it drops
   * Content-Length): the one place all three rules can be checked. Throwing here turns the head into an invalid
   * message.
   */
  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage msg) {
    List<String> values = msg.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!values.isEmpty()) {
      if (msg.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) throw bothLengths();
      if (msg.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
        throw new AmbiguousLength("Transfer-Encoding is not part of HTTP/1.0 (RFC 9112 6.1), so the request's length "
            + "cannot be known; send HTTP/1.1 or a Content-Length.");
      }
      List<String> codings = codings(values);
      if (codings.isEmpty() || !codings.get(codings.size() - 1).equals("chunked")
          || codings.indexOf("chunked") != codings.size() - 1) {
        throw new AmbiguousLength("Transfer-Encoding '" + String.join(", ", values) + "' does not end in a single "
            + "chunked, so the request's length cannot be known (RFC 9112 6.3); send chunked or a Content-Length.");
      }
    }
    return super.isContentAlwaysEmpty(msg);
  }

  /** Netty's hook for exactly this case (its default drops Content-Length); reached only if the check above moved. */
  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw bothLengths();
  }

  private static AmbiguousLength bothLengths() {
    return new AmbiguousLength("The request has both Content-Length and Transfer-Encoding, so its length is ambiguous "
        + "(RFC 9112 6.1); send only one of them.");
  }

  private static List<String> codings(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      for (String c : v.split(",")) {
        String t = c.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) out.add(t);
      }
    }
    return out;
  }
}
