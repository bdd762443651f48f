package dev.rebound.gateway.testing;

import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;

/** A redis-server of a test's own (never the machine's shared one), on a free port, started from PATH. */
public final class TestRedis {
  private TestRedis() {}

  public static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** @param appendOnly keep what it has across a restart on the same port and directory */
  public static Process start(Vertx poller, int port, Path dir, boolean appendOnly) throws Exception {
    Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always", "--dir", dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    Eventually.await(poller, 10_000, "redis-server to listen", () -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (Exception e) {
        return false;
      }
    });
    return p;
  }

  public static String storeConfig(int port) {
    return "store: { type: redis, redis: { url: \"redis://127.0.0.1:" + port + "\" } }\n";
  }
}
