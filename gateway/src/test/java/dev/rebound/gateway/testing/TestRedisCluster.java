package dev.rebound.gateway.testing;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of a test's own: {@code masters} redis-servers from PATH started with {@code --cluster-enabled yes}
 * on free ports (data and cluster bus), no replicas, joined by {@code redis-cli --cluster create ... --cluster-replicas
 * 0 --cluster-yes}, ready once every node says {@code cluster_state:ok}. {@link #close()} stops every node.
 */
public final class TestRedisCluster implements AutoCloseable {
  private final Path dir;
  private final List<Integer> ports = new ArrayList<>();
  private final List<Process> nodes = new ArrayList<>();

  private TestRedisCluster(Path dir) {
    this.dir = dir;
  }

  public static TestRedisCluster start(Vertx poller, int masters, Path dir) throws Exception {
    TestRedisCluster cluster = new TestRedisCluster(dir);
    try {
      for (int i = 0; i < masters; i++) {
        int port = TestRedis.freePort();
        int bus = TestRedis.freePort();
        cluster.ports.add(port);
        cluster.nodes.add(new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-port", String.valueOf(bus), "--cluster-config-file",
            "nodes-" + port + ".conf", "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no",
            "--dir", dir.toString()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start());
      }
      for (int port : cluster.ports) {
        Eventually.await(poller, 10_000, "cluster node " + port + " to listen", () -> listens(port));
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      for (int port : cluster.ports) create.add("127.0.0.1:" + port);
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      cluster.run(create, "create.log");
      for (int port : cluster.ports) {
        Eventually.await(poller, 30_000, "cluster_state:ok on " + port,
            () -> cluster.run(List.of("redis-cli", "-p", String.valueOf(port), "cluster", "info"), "info.log")
                .contains("cluster_state:ok"));
      }
      return cluster;
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** Every node's URL, as {@code store.redis.endpoints} takes them. */
  public List<String> endpoints() {
    return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
  }

  /** The store section of a gateway config on this cluster. */
  public String storeConfig() {
    StringBuilder endpoints = new StringBuilder();
    for (String e : endpoints()) endpoints.append(endpoints.length() == 0 ? "" : ", ").append('"').append(e).append('"');
    return "store: { type: redis, redis: { type: cluster, url: \"" + endpoints().get(0) + "\", endpoints: [" + endpoints
        + "] } }\n";
  }

  @Override
  public void close() {
    for (Process p : nodes) p.destroyForcibly();
  }

  private static boolean listens(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String run(List<String> command, String logName) {
    Path log = dir.resolve(logName);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within 30 s");
      }
      String out = Files.readString(log);
      if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
