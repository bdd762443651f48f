package dev.rebound.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL for tests, never skipped for want of one: {@code PG_URL} when set; else the server on 127.0.0.1:5432
 * when it answers (user postgres, trust auth, database test, else postgres); else a throwaway server of the test run's
 * own, made with initdb and started with pg_ctl from /usr/lib/postgresql/{version}/bin on a free port in a temporary
 * directory (as the postgres user when the tests run as root, which initdb refuses), stopped when the JVM exits.
 * Set {@code -Drebound.test.postgres=throwaway} to take the last way whatever answers.
 */
public final class TestPostgres {
  private static String url;

  private TestPostgres() {}

  /** A postgresql:// URL of a server that answers (started on first use when needed). */
  public static synchronized String url() {
    if (url != null) return url;
    String given = System.getenv("PG_URL");
    boolean throwaway = "throwaway".equals(System.getProperty("rebound.test.postgres"));
    if (given != null && !given.isBlank() && !throwaway) {
      url = given;
    } else if (!throwaway && answers("127.0.0.1", 5432)) {
      url = local();
    } else {
      url = startThrowaway();
    }
    return url;
  }

  /** A pool on the test PostgreSQL, for reading what was written. */
  public static Pool pool(Vertx vertx) {
    return PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url())).using(vertx).build();
  }

  /** A table name no other test uses. */
  public static String uniqueTable(String prefix) {
    return prefix + "_" + Long.toHexString(System.nanoTime()) + Integer.toHexString((int) (Math.random() * 0xffff));
  }

  private static boolean answers(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The machine's server: its database test when there is one, else postgres. */
  private static String local() {
    String test = "postgresql://postgres@127.0.0.1:5432/test";
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(test)).using(vertx).build();
      try {
        pool.query("SELECT 1").execute().await(10, TimeUnit.SECONDS);
        return test;
      } catch (Exception noTestDatabase) {
        return "postgresql://postgres@127.0.0.1:5432/postgres";
      } finally {
        pool.close().await(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      return "postgresql://postgres@127.0.0.1:5432/postgres";
    } finally {
      vertx.close().await();
    }
  }

  private static String startThrowaway() {
    try {
      Path bin = serverBin();
      Path dir = Files.createTempDirectory("rebound-pg-");
      Path data = dir.resolve("data");
      int port;
      try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
        port = free.getLocalPort();
      }
      boolean root = "root".equals(System.getProperty("user.name"));
      if (root) run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir);
      run(as(root, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
          "-E", "UTF8", "--no-locale")), dir);
      run(as(root, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
          "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "-w", "-t", "60", "start")), dir);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          run(as(root, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop")), dir);
        } catch (IOException | InterruptedException e) {
          // the JVM is going: a server left behind is removed with its directory below
        }
        deleteAll(dir);
      }));
      return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    } catch (IOException e) {
      throw new UncheckedIOException("could not start a throwaway PostgreSQL", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The newest /usr/lib/postgresql/{version}/bin with initdb. */
  private static Path serverBin() {
    File[] versions = new File("/usr/lib/postgresql").listFiles();
    if (versions == null) {
      throw new IllegalStateException("no PostgreSQL answers on 127.0.0.1:5432, PG_URL is not set and /usr/lib/postgresql"
          + " has no server to start (apt-get install postgresql)");
    }
    return Arrays.stream(versions)
        .filter(v -> new File(v, "bin/initdb").canExecute())
        .max(Comparator.comparingInt(v -> version(v.getName())))
        .map(v -> v.toPath().resolve("bin"))
        .orElseThrow(() -> new IllegalStateException("/usr/lib/postgresql/*/bin has no initdb"));
  }

  private static int version(String name) {
    try {
      return Integer.parseInt(name.replaceAll("\\..*", ""));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** initdb and the server refuse to run as root: as root, they run as the postgres user. */
  private static List<String> as(boolean root, List<String> command) {
    if (!root) return command;
    List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    out.addAll(command);
    return out;
  }

  private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
    Path log = dir.resolve("commands.log");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 120 s; see " + log);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + Files.readString(log));
    }
  }

  private static void deleteAll(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort in a shutdown hook
    }
  }
}
