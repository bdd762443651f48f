package dev.rebound.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * An upstream that speaks HTTP/1.1 by hand, for answers no real server library would send (everything in one write,
 * a stream that stops without its closing chunk): each complete request goes to a handler with the socket to answer on.
 */
public final class RawUpstream {
  private RawUpstream() {}

  /** Listens on a free loopback port; returns it. {@code onRequest} gets the request's text (head and body). */
  public static int listen(Vertx vertx, BiConsumer<String, NetSocket> onRequest) {
    return vertx.createNetServer().connectHandler(socket -> {
      StringBuilder request = new StringBuilder();
      socket.handler(data -> {
        request.append(data.toString(StandardCharsets.UTF_8));
        int head = request.indexOf("\r\n\r\n");
        if (head < 0) return;
        String lengthLine = request.substring(0, head).toLowerCase().lines()
            .filter(l -> l.startsWith("content-length:")).findFirst().orElse("content-length: 0");
        if (request.length() - head - 4 < Integer.parseInt(lengthLine.substring(15).trim())) return;
        String complete = request.toString();
        request.setLength(0);
        onRequest.accept(complete, socket);
      });
    }).listen(0, "127.0.0.1").await().actualPort();
  }
}
