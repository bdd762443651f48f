package dev.rebound.store;

import static dev.rebound.store.Await.await;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on port 0 in front of a Redis that can silence the connections it carries: their sockets stay open
 * but nothing passes any more either way (a half-open connection, a node that hangs). New connections pass again.
 */
final class SilencingProxy {

  private final NetServer server;
  private final NetClient client;
  private final Set<AtomicBoolean> open = ConcurrentHashMap.newKeySet();

  private SilencingProxy(Vertx vertx, int targetPort) {
    client = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(front -> {
      front.pause();
      AtomicBoolean silenced = new AtomicBoolean();
      open.add(silenced);
      client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          front.close();
          return;
        }
        NetSocket back = ar.result();
        front.handler(data -> {
          if (!silenced.get()) back.write(data);
        });
        back.handler(data -> {
          if (!silenced.get()) front.write(data);
        });
        front.closeHandler(v -> back.close());
        back.closeHandler(v -> front.close());
        front.resume();
      });
    });
  }

  static SilencingProxy start(Vertx vertx, int targetPort) {
    SilencingProxy proxy = new SilencingProxy(vertx, targetPort);
    await(proxy.server.listen(0, "127.0.0.1"));
    return proxy;
  }

  String url() {
    return "redis://127.0.0.1:" + server.actualPort();
  }

  /** Every connection open now goes silent, without closing. */
  void silenceOpenConnections() {
    open.forEach(s -> s.set(true));
  }

  void close() {
    await(server.close());
    await(client.close());
  }
}
