package dev.rebound.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP hop in front of a server, on a free port, that a test switches: REFUSE closes each connection at once (the
 * server is down), HOLD accepts and never answers (a server that hangs), FORWARD passes bytes both ways. Switching
 * closes the connections it held.
 */
public final class TcpSwitch implements AutoCloseable {
  public enum Mode { REFUSE, HOLD, FORWARD }

  private final NetServer server;
  private final NetClient client;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private volatile Mode mode;
  public final int port;

  public TcpSwitch(Vertx vertx, String host, int targetPort, Mode mode) {
    this.mode = mode;
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(socket -> {
      switch (this.mode) {
        case REFUSE -> socket.close();
        case HOLD -> {
          open.add(socket);
          socket.closeHandler(v -> open.remove(socket));
        }
        case FORWARD -> {
          socket.pause();
          client.connect(targetPort, host).onSuccess(upstream -> {
            open.add(socket);
            open.add(upstream);
            socket.closeHandler(v -> open.remove(socket));
            upstream.closeHandler(v -> open.remove(upstream));
            socket.pipeTo(upstream);
            upstream.pipeTo(socket);
            socket.resume();
          }).onFailure(e -> socket.close());
        }
      }
    });
    this.port = server.listen(0, "127.0.0.1").await().actualPort();
  }

  /** From now on connections are handled as {@code next} says; the ones open are closed. */
  public void mode(Mode next) {
    this.mode = next;
    for (NetSocket s : open) s.close();
    open.clear();
  }

  /** New connections are handled as {@code next} says; the ones open stay as they are (a held one hangs on). */
  public void modeForNewConnections(Mode next) {
    this.mode = next;
  }

  @Override
  public void close() {
    mode(Mode.REFUSE);
    server.close().await();
    client.close().await();
  }
}
