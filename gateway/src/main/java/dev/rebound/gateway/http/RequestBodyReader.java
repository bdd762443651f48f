package dev.rebound.gateway.http;

import io.netty.handler.codec.DecoderException;
import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;

/**
 * Reads a model request's body into one buffer, answering as vertx-web's BodyHandler does (the router's 413, 417, 400
 * and 200 error handlers word them for the client), but sized for prompts: BodyHandler starts at most at 64 KB and
 * doubles, so a 200 KB prompt cost 448 KB of arrays and two copies and kept 256 KB for the whole request. Here a body
 * with a Content-Length starts at up to 64 KB as well and then grows fourfold up to 1 MB and twofold beyond, capped at
 * its Content-Length (a 200 KB prompt: 64 KB, then 200 KB). What it reserves is never more than 4 MB or twice what has
 * arrived, so a Content-Length alone cannot make the gateway reserve {@code server.maxBodyBytes}.
 */
final class RequestBodyReader implements Handler<RoutingContext> {
  static final int FIRST_BYTES = 64 * 1024;
  static final int FOURFOLD_BELOW = 1024 * 1024;
  private static final int UNKNOWN_LENGTH_START = 1024;

  private final long limit;

  RequestBodyReader(long limit) {
    this.limit = limit;
  }

  @Override
  public void handle(RoutingContext ctx) {
    RoutingContextInternal internal = (RoutingContextInternal) ctx;
    if (internal.seenHandler(RoutingContextInternal.BODY_HANDLER)) {
      ctx.next(); // rerouted: the body was read the first time
      return;
    }
    internal.visitHandler(RoutingContextInternal.BODY_HANDLER);
    HttpServerRequest request = ctx.request();
    long length = contentLength(request);
    boolean framed = request.version() == HttpVersion.HTTP_2 || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    if (!framed && length < 0) {
      ctx.next(); // no body: the front door says so in the client's protocol
      return;
    }
    if (length > limit) {
      ctx.fail(413);
      return;
    }
    String expect = request.getHeader(HttpHeaders.EXPECT);
    if (expect != null) {
      if (!expect.equalsIgnoreCase("100-continue")) {
        ctx.fail(417);
        return;
      }
      if (request.version() != HttpVersion.HTTP_1_0) ctx.response().writeContinue();
    }
    if (request.isEnded()) {
      ctx.fail(new VertxException("the request body was read before its reader ran", true));
      return;
    }
    new Read(ctx, length).start();
  }

  private static long contentLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null || value.isEmpty()) return -1;
    try {
      long n = Long.parseLong(value);
      return n < 0 ? -1 : n;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The size of the next buffer for a body that needs {@code needed} bytes and has {@code capacity}: fourfold while
   * small (a prompt is read in one or two steps), doubling from {@link #FOURFOLD_BELOW} on (what is reserved stays
   * within twice what arrived), never past the Content-Length or, without one, the limit.
   */
  static int grownCapacity(int capacity, long needed, long contentLength, long limit) {
    long step = capacity < FOURFOLD_BELOW ? 4L * capacity : 2L * capacity;
    long cap = contentLength >= needed ? contentLength : limit;
    return (int) Math.min(cap, Math.max(needed, step));
  }

  private final class Read {
    private final RoutingContext ctx;
    private final long contentLength;
    private Buffer body;
    private int capacity;
    private boolean failed;

    Read(RoutingContext ctx, long contentLength) {
      this.ctx = ctx;
      this.contentLength = contentLength;
      this.capacity = contentLength >= 0 ? (int) Math.min(contentLength, FIRST_BYTES) : UNKNOWN_LENGTH_START;
      this.body = Buffer.buffer(capacity);
    }

    void start() {
      HttpServerRequest request = ctx.request();
      request.exceptionHandler(this::failed);
      request.handler(this::chunk);
      request.endHandler(v -> end());
      request.resume();
    }

    private void chunk(Buffer chunk) {
      if (failed) return;
      long needed = (long) body.length() + chunk.length();
      if (needed > limit) {
        failed = true;
        body = null;
        ctx.fail(413);
        return;
      }
      if (needed > capacity) {
        capacity = grownCapacity(capacity, needed, contentLength, limit);
        body = Buffer.buffer(capacity).appendBuffer(body);
      }
      body.appendBuffer(chunk);
    }

    /** As BodyHandler: bytes that could not be decoded are the client's error (400); else the body stopped (200). */
    private void failed(Throwable t) {
      if (failed) return;
      failed = true;
      body = null;
      if (t instanceof DecoderException) ctx.fail(400, t.getCause() != null ? t.getCause() : t);
      else ctx.fail(200, t);
    }

    private void end() {
      if (failed || ctx.failed()) return;
      ((RoutingContextInternal) ctx).setBody(body);
      body = null;
      ctx.next();
    }
  }
}
