package dev.rebound.gateway.http;

import dev.rebound.gateway.config.ServerConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's connection handler: admits each client connection (at most {@code server.maxConnections} open at once;
 * one beyond is closed as soon as it is accepted, before it can hold a file descriptor for long) and sets it up before
 * its first byte is read. Vert.x 5 has no public hook for a connection's bytes, for how a request's length is read, or
 * for what happens below a request, so this is the one place that reaches into a connection's Netty pipeline (Vert.x
 * names its handlers "httpDecoder" and "httpEncoder"): the request decoder becomes a {@link StrictRequestDecoder},
 * and a {@link ConnectionWatch} times the connection.
 */
public final class ClientConnections implements Handler<HttpConnection> {
  private final HttpServerOptions options;
  private final ServerConfig config;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();

  /** @param options the server's options (h2c off, so this handler runs when a connection is accepted) */
  public ClientConnections(HttpServerOptions options, ServerConfig config) {
    this.options = options;
    this.config = config;
  }

  @Override
  public void handle(HttpConnection connection) {
    Channel channel = ((ConnectionBase) connection).channel();
    if (open.incrementAndGet() > config.maxConnections()) {
      open.decrementAndGet();
      refused.incrementAndGet();
      channel.close();
      return;
    }
    channel.closeFuture().addListener(closed -> open.decrementAndGet());
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(options));
    ConnectionWatch watch = new ConnectionWatch(config.headerTimeout(), config.idleTimeout());
    pipeline.addBefore("httpDecoder", "rebound-bytes-in", watch.bytesIn());
    pipeline.addAfter("httpEncoder", "rebound-watch", watch);
  }

  /** Client connections open now. */
  public int open() {
    return open.get();
  }

  /** Client connections closed at once since the start because {@code server.maxConnections} were open. */
  public long refused() {
    return refused.get();
  }
}
