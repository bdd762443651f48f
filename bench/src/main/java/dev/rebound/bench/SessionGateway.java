package dev.rebound.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The gateway of a {@code sessions-*} scenario: its own process in front of the same mock-llm, with the scenario's
 * session store, so its checkpoints are measured apart from the shared gateway (which stays as it was for the other
 * scenarios). The embedded store lives in a fresh temporary directory, deleted afterwards. Redis is
 * {@code REDIS_URL} when set (the bench never flushes it: its keys are under a tenant of its own, {@code
 * bench-<run>}, and expire after an hour), else a {@code redis-server} the bench starts on a free port, without
 * persistence, and stops afterwards. Both configs name that tenant, so the two stores hold the same keys.
 */
public final class SessionGateway implements AutoCloseable {
  /** How long the stored sessions live: long enough for any run, short enough that a shared Redis forgets them. */
  static final String TTL = "1h";
  private static final long READY_TIMEOUT_MS = 15_000;
  private static final long REDIS_START_TIMEOUT_MS = 10_000;
  private static final Pattern DECISION = Pattern.compile("^rebound_decisions_total\\{type=\"([^\"]+)\"\\}\\s+(\\d+)", Pattern.MULTILINE);

  private final Topology topology;
  private final SessionStore kind;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Topology.Server gateway;
  private Process redis;
  private Path dataDir;
  private String describe;

  private SessionGateway(Topology topology, SessionStore kind) {
    this.topology = topology;
    this.kind = kind;
  }

  /**
   * Starts the store (when the bench owns it) and the gateway, and waits until the gateway reports its store
   * reachable.
   *
   * @param name   the process's name: its config and log are {@code <name>.yaml} and {@code <name>.log}
   * @param tenant the tenant the sessions are stored under ({@code [A-Za-z0-9._-]{1,64}})
   * @param env    where {@code REDIS_URL} and {@code PATH} are read (the process environment)
   * @throws IOException with what to install or fix when the store cannot be had
   */
  public static SessionGateway start(Topology topology, SessionStore kind, String name, String tenant,
      Map<String, String> env) throws IOException {
    return start(topology, kind, name, tenant, env, null);
  }

  /**
   * The same, running {@code jar} (another build: {@code --baseline-jar}) instead of the jar under test; null for the
   * jar under test. Each gateway started has a store of its own: its directory, or its redis-server (on {@code
   * REDIS_URL}, the tenant tells them apart).
   */
  public static SessionGateway start(Topology topology, SessionStore kind, String name, String tenant,
      Map<String, String> env, Path jar) throws IOException {
    SessionGateway g = new SessionGateway(topology, kind);
    try {
      g.open(name, tenant, env, jar);
      return g;
    } catch (IOException | RuntimeException e) {
      g.close();
      throw e;
    }
  }

  private void open(String name, String tenant, Map<String, String> env, Path jar) throws IOException {
    String store;
    switch (kind) {
      case EMBEDDED -> {
        dataDir = Files.createTempDirectory("rebound-bench-store-");
        store = "{ type: embedded, path: \"" + dataDir.toString().replace("\\", "/") + "\", ttl: " + TTL + " }";
        describe = "embedded store in " + dataDir + " (deleted afterwards)";
      }
      case REDIS -> {
        String url = env.get("REDIS_URL");
        if (url != null && !url.isBlank()) {
          // referenced, not copied: the generated config (kept with the report) holds no password
          store = "{ type: redis, ttl: " + TTL + ", redis: { url: \"${REDIS_URL}\" } }";
          describe = "Redis at REDIS_URL (" + redactedUrl(url) + "), keys under tenant " + tenant + ", TTL " + TTL
              + ", not flushed";
        } else {
          int port = startRedis(env);
          store = "{ type: redis, ttl: " + TTL + ", redis: { url: \"redis://" + Topology.HOST + ":" + port + "\" } }";
          describe = "redis-server " + redisVersion() + " started by the bench on port " + port + " (pid " + redis.pid()
              + ", no persistence), stopped afterwards";
        }
      }
      default -> throw new IllegalStateException(kind.toString());
    }
    String config = Topology.gatewayConfigYaml(mockUrl(), store, tenantsYaml(tenant));
    gateway = jar == null ? topology.startGateway(name, config) : topology.startGateway(name, jar, config);
    awaitStoreReachable();
  }

  private String mockUrl() {
    return "http://" + Topology.HOST + ":" + topology.mockPort();
  }

  /** Every request of the open gateway belongs to the first tenant: no key needed, keys under its name. */
  static String tenantsYaml(String tenant) {
    return "tenants:\n  - { name: " + tenant + " }\n";
  }

  /** The URL without its user info (password), for the report. */
  static String redactedUrl(String url) {
    try {
      URI u = URI.create(url.trim());
      return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "") + (u.getPath() == null ? "" : u.getPath());
    } catch (IllegalArgumentException e) {
      return "(unparsable URL)";
    }
  }

  /** Whether an executable named {@code program} is in one of {@code path}'s directories. */
  static boolean onPath(String program, String path) {
    if (path == null) return false;
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return true;
    }
    return false;
  }

  static final String REDIS_MISSING = "sessions-redis needs Redis, and neither REDIS_URL is set nor redis-server on PATH. "
      + "Install redis-server (Debian/Ubuntu: apt-get install redis-server; Fedora: dnf install redis; macOS: brew "
      + "install redis), or set REDIS_URL=redis://host:port to a Redis the bench may write to (it never flushes; "
      + "its keys expire after " + TTL + ")";

  /**
   * What keeps {@code sessions-redis} from running with this environment (neither {@code REDIS_URL} nor redis-server
   * on {@code PATH}), or null: checked before the run starts, so the user hears it at once.
   */
  public static String redisProblem(Map<String, String> env) {
    String url = env.get("REDIS_URL");
    if (url != null && !url.isBlank()) return null;
    return onPath("redis-server", env.get("PATH")) ? null : REDIS_MISSING;
  }

  /** Starts redis-server on a free port (3 tries: a port may be taken between picking and binding); its port. */
  private int startRedis(Map<String, String> env) throws IOException {
    if (!onPath("redis-server", env.get("PATH"))) throw new IOException(REDIS_MISSING);
    Path log = topology.dir().resolve("redis-server.log");
    IOException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      int port = Topology.freePort();
      List<String> cmd = List.of("redis-server", "--port", String.valueOf(port), "--bind", Topology.HOST,
          "--save", "", "--appendonly", "no", "--dir", topology.dir().toAbsolutePath().toString());
      try {
        redis = topology.startProcess(cmd, log);
      } catch (IOException e) {
        throw new IOException(REDIS_MISSING + " (starting it failed: " + e.getMessage() + ")", e);
      }
      try {
        awaitPong(port);
        return port;
      } catch (IOException e) {
        last = e;
        topology.stop(redis);
        redis = null;
      }
    }
    throw last;
  }

  private void awaitPong(int port) throws IOException {
    long deadline = System.currentTimeMillis() + REDIS_START_TIMEOUT_MS;
    Path log = topology.dir().resolve("redis-server.log");
    while (System.currentTimeMillis() < deadline) {
      if (!redis.isAlive()) {
        throw new IOException("redis-server exited with code " + redis.exitValue() + " before answering; its output ("
            + log + "):\n" + Topology.tail(Files.exists(log) ? Files.readString(log) : ""));
      }
      if (ping(port)) return;
      sleep(50);
    }
    throw new IOException("redis-server did not answer PING on port " + port + " within "
        + REDIS_START_TIMEOUT_MS / 1000 + " s; see " + log);
  }

  /** One PING over a fresh connection. */
  static boolean ping(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(Topology.HOST, port), 500);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] b = new byte[7];
      int n = 0;
      while (n < b.length) {
        int r = in.read(b, n, b.length - n);
        if (r < 0) break;
        n += r;
      }
      return new String(b, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static String redisVersion() {
    try {
      Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      Matcher m = Pattern.compile("v=(\\S+)").matcher(out);
      return m.find() ? m.group(1) : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Polls GET /ready until the gateway says its store is reachable; fails naming the store otherwise. */
  private void awaitStoreReachable() throws IOException {
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      checkAlive();
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/ready"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.body();
        if (storeReachable(last)) return;
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the " + gateway.name() + " to be ready");
      }
      sleep(100);
    }
    throw new IOException("the " + kind.id() + " store of " + gateway.name() + " is not reachable after "
        + READY_TIMEOUT_MS / 1000 + " s (GET /ready: " + last.trim() + "); " + describe + "; see " + gateway.log());
  }

  /** Whether a /ready body says the store is reachable. */
  static boolean storeReachable(String readyJson) {
    return readyJson != null && readyJson.replace(" ", "").contains("\"reachable\":true");
  }

  /**
   * The gateway's decision counters by type ({@code checkpoint}, {@code fork}, {@code session-unrecorded}, ...), from
   * GET /metrics; null when it cannot be read.
   */
  public Map<String, Long> decisions() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? parseDecisions(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static Map<String, Long> parseDecisions(String prometheusText) {
    Map<String, Long> out = new TreeMap<>();
    Matcher m = DECISION.matcher(prometheusText);
    while (m.find()) out.put(m.group(1), Long.parseLong(m.group(2)));
    return out;
  }

  /** {@code after - before} per type, the types that changed only. */
  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> out = new TreeMap<>();
    after.forEach((k, v) -> {
      long d = v - before.getOrDefault(k, 0L);
      if (d != 0) out.put(k, d);
    });
    return out;
  }

  private String base() {
    return "http://" + Topology.HOST + ":" + gateway.port();
  }

  public int port() {
    return gateway.port();
  }

  public long pid() {
    return gateway.pid();
  }

  /** What the store is, for the console and the report. */
  public String describe() {
    return gateway.name() + " (pid " + gateway.pid() + ", port " + gateway.port() + "): " + describe;
  }

  /** CPU of this gateway (and of the Redis server when the bench started it), the mock and the bench. */
  public Resources.Probe probe() {
    return topology.probe(gateway, redis == null ? -1 : redis.pid());
  }

  /** The gateway and the bench's Redis still running? Otherwise says which one is gone. */
  public void checkAlive() {
    if (gateway != null) gateway.checkAlive();
    if (redis != null && !redis.isAlive()) {
      throw new IllegalStateException("redis-server exited (code " + redis.exitValue() + "); see "
          + topology.dir().resolve("redis-server.log"));
    }
  }

  @Override
  public void close() {
    if (gateway != null) topology.stop(gateway.process());
    if (redis != null) topology.stop(redis);
    if (dataDir != null) deleteTree(dataDir);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
      for (Path p : all) Files.deleteIfExists(p);
    } catch (IOException e) {
      System.err.println("bench: cannot delete " + dir + " (" + e.getMessage() + ")");
    }
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }
}
