package dev.rebound.gateway.http;

import io.netty.channel.ChannelPipeline;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The server's connection handler: sets up each client connection before its first byte is read. Vert.x 5 has no
 * public hook for how a request's length is read or for what happens below a request, so this is the one place that
 * reaches into a connection's Netty pipeline (Vert.x names its handlers "httpDecoder" and "httpEncoder"): the
 * request decoder becomes a {@link StrictRequestDecoder}, and a {@link ConnectionWatch} sits after the codec.
 */
public final class ClientConnections implements Handler<HttpConnection> {
  private final HttpServerOptions options;

  /** @param options the server's options (h2c off, so this handler runs when a connection is accepted) */
  public ClientConnections(HttpServerOptions options) {
    this.options = options;
  }

  @Override
  public void handle(HttpConnection connection) {
    ChannelPipeline pipeline = ((ConnectionBase) connection).channelHandlerContext().pipeline();
    pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(options));
    pipeline.addAfter("httpEncoder", "rebound-watch", new ConnectionWatch());
  }
}
