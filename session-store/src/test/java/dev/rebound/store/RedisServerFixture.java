package dev.rebound.store;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A real redis-server for the tests. {@link #sharedUrl()}: {@code REDIS_URL} when set, else one server started from
 * PATH on a free port for the whole JVM, else (no redis-server binary) 127.0.0.1:6379. {@link #startPrivate()}: a
 * separate server a test may stop and restart (on the same port, with its data) without disturbing the others.
 */
final class RedisServerFixture {

  private static String sharedUrl;

  private final int port;
  private final Path dir;
  private final boolean persistent;
  private Process process;

  private RedisServerFixture(int port, Path dir, boolean persistent) {
    this.port = port;
    this.dir = dir;
    this.persistent = persistent;
  }

  static synchronized String sharedUrl() {
    if (sharedUrl != null) return sharedUrl;
    String env = System.getenv("REDIS_URL");
    if (env != null && !env.isBlank()) {
      sharedUrl = env;
    } else if (onPath()) {
      RedisServerFixture shared = new RedisServerFixture(freePort(), tempDir(), false);
      shared.start();
      sharedUrl = shared.url();
    } else {
      sharedUrl = "redis://127.0.0.1:6379";
    }
    return sharedUrl;
  }

  /** A server of its own, with an append-only file so a restart keeps what was written before the stop. */
  static RedisServerFixture startPrivate() {
    if (!onPath()) throw new IllegalStateException("redis-server is not on PATH: this test needs to stop/restart one");
    RedisServerFixture server = new RedisServerFixture(freePort(), tempDir(), true);
    server.start();
    return server;
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  synchronized void start() {
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--save", "", "--dir", dir.toString()));
    command.addAll(persistent
        ? List.of("--appendonly", "yes", "--appendfsync", "always")
        : List.of("--appendonly", "no"));
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start redis-server", e);
    }
    Process started = process;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      started.destroyForcibly();
      deleteTree(dir);
    }));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!answersPing(port)) {
      if (!started.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "redis-server did not come up on port " + port + ", see " + dir.resolve("redis.log"));
      }
      pause(20);
    }
  }

  /** SIGTERM: redis-server flushes its append-only file and exits; the port stops answering. */
  synchronized void stop() {
    if (process == null) return;
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  static boolean answersPing(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int n = in.read(reply);
      return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // best effort at JVM exit
    }
  }

  static boolean onPath() {
    String path = System.getenv("PATH");
    if (path == null) return false;
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "redis-server"))) return true;
    }
    return false;
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path tempDir() {
    try {
      return Files.createTempDirectory("rebound-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis); // test thread, waiting for an external process; never an event loop
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
