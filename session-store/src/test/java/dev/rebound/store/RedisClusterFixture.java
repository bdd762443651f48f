package dev.rebound.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A private Redis Cluster for the tests: {@code masters} redis-servers from PATH in cluster mode on free ports (data
 * and cluster bus), no replicas, joined by {@code redis-cli --cluster create}, ready once every node says
 * {@code cluster_state:ok}. A node can be stopped and started again on its port with its nodes file, so it rejoins
 * with its slots (empty: nothing is persisted). {@link #close()} stops every node and removes the directory.
 */
final class RedisClusterFixture implements AutoCloseable {

  /** Short, so a stopped master is noticed (and a restarted one accepted) within seconds, not the default 15 s. */
  private static final int NODE_TIMEOUT_MILLIS = 2_000;

  private final Path dir = RedisServerFixture.tempDir();
  private final List<Node> nodes = new ArrayList<>();

  private RedisClusterFixture() {}

  static RedisClusterFixture start(int masters) {
    if (!RedisServerFixture.onPath()) {
      throw new IllegalStateException("redis-server is not on PATH: the cluster tests start a cluster of their own");
    }
    RedisClusterFixture cluster = new RedisClusterFixture();
    try {
      for (int i = 0; i < masters; i++) {
        Node node = new Node(RedisServerFixture.freePort(), RedisServerFixture.freePort(), cluster.dir);
        cluster.nodes.add(node);
        node.start();
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      for (Node node : cluster.nodes) create.add("127.0.0.1:" + node.port);
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      run(create, cluster.dir.resolve("create.log"));
      cluster.awaitOk();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Seed endpoints, one per master, as the store's {@code endpoints} take them. */
  List<String> endpoints() {
    return nodes.stream().map(n -> "redis://127.0.0.1:" + n.port).toList();
  }

  int size() {
    return nodes.size();
  }

  /** SIGTERM to one master: with nothing persisted, it comes back empty. */
  void stopNode(int node) {
    nodes.get(node).stop();
  }

  /** Starts a stopped master on its port with its nodes file (it rejoins with its slots); returns at once. */
  void startNode(int node) {
    nodes.get(node).start();
  }

  /** Holds every command sent to one master for {@code millis} (CLIENT PAUSE): a node that stops answering. */
  void pauseNode(int node, long millis) {
    Node n = nodes.get(node);
    run(List.of("redis-cli", "-p", String.valueOf(n.port), "client", "pause", String.valueOf(millis), "ALL"),
        dir.resolve("pause-" + n.port + ".log"));
  }

  /** Waits until every node says {@code cluster_state:ok} (all slots served, every master reachable). */
  void awaitOk() {
    long deadline = System.nanoTime() + 30_000_000_000L;
    for (Node node : nodes) {
      while (!node.clusterInfo().contains("cluster_state:ok")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cluster not ok within 30 s; node " + node.port + " says: "
              + node.clusterInfo() + " (logs in " + dir + ")");
        }
        RedisServerFixture.pause(50);
      }
    }
  }

  @Override
  public void close() {
    nodes.forEach(Node::stop);
    RedisServerFixture.deleteTree(dir);
  }

  private static String run(List<String> command, Path log) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within 30 s, see " + log);
      }
      String output = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final class Node {
    final int port;
    final int busPort;
    final Path dir;
    Process process;

    Node(int port, int busPort, Path dir) {
      this.port = port;
      this.busPort = busPort;
      this.dir = dir;
    }

    synchronized void start() {
      List<String> command = List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
          "--cluster-enabled", "yes", "--cluster-port", String.valueOf(busPort),
          "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout",
          String.valueOf(NODE_TIMEOUT_MILLIS), "--save", "", "--appendonly", "no", "--dir", dir.toString());
      try {
        process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile())).start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start redis-server", e);
      }
      Process started = process;
      Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!RedisServerFixture.answersPing(port)) {
        if (!started.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server (cluster node) did not come up on port " + port
              + ", see " + dir.resolve("redis-" + port + ".log"));
        }
        RedisServerFixture.pause(20);
      }
    }

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

    String clusterInfo() {
      try {
        return run(List.of("redis-cli", "-p", String.valueOf(port), "cluster", "info"),
            dir.resolve("info-" + port + ".log"));
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    }
  }
}
