package dev.rebound.store;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Configuration of {@link RedisCheckpointStore}.
 *
 * @param url        {@code redis://[[user]:password@]host:port[/db]} or {@code rediss://...} (TLS); used when
 *                   {@code endpoints} is empty
 * @param type       {@code standalone} | {@code cluster} | {@code sentinel}
 * @param endpoints  cluster seed nodes or sentinel nodes (connection strings as for {@code url}); may be empty
 * @param masterName the sentinel master set name (sentinel only)
 * @param ttl        a session expires this long after its last write
 * @param maxEvents  cap of each session's event stream (oldest events are dropped)
 * @param timeout    connect and per-command timeout: past it the backend counts as unreachable
 * @param poolSize   most connections the client opens per node; the store sends everything over one pipelined
 *                   connection ({@link RedisLink}), the others serve cluster topology lookups and redirects
 */
public record RedisStoreOptions(
    String url,
    String type,
    List<String> endpoints,
    String masterName,
    Duration ttl,
    int maxEvents,
    Duration timeout,
    int poolSize) {

  public static final Duration DEFAULT_TTL = Duration.ofDays(7);
  public static final int DEFAULT_MAX_EVENTS = 1000;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_POOL_SIZE = 16;

  private static final Set<String> TYPES = Set.of("standalone", "cluster", "sentinel");

  public RedisStoreOptions {
    type = type == null || type.isBlank() ? "standalone" : type.trim().toLowerCase();
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    ttl = ttl == null ? DEFAULT_TTL : ttl;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (!TYPES.contains(type)) throw new IllegalArgumentException("store.redis.type: unknown '" + type + "'");
    if ((url == null || url.isBlank()) && endpoints.isEmpty()) {
      throw new IllegalArgumentException("store.redis: url or endpoints is required");
    }
    if (type.equals("sentinel") && (masterName == null || masterName.isBlank())) {
      throw new IllegalArgumentException("store.redis.masterName is required for type sentinel");
    }
    if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("store.ttl must be positive: " + ttl);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("store.redis.timeout must be positive: " + timeout);
    }
    if (maxEvents < 1) throw new IllegalArgumentException("store.redis.maxEvents must be >= 1: " + maxEvents);
    if (poolSize < 1) throw new IllegalArgumentException("store.redis.poolSize must be >= 1: " + poolSize);
  }

  /** The configuration keys of DESIGN.md, with default timeout and pool size. */
  public RedisStoreOptions(String url, String type, List<String> endpoints, String masterName, Duration ttl,
      int maxEvents) {
    this(url, type, endpoints, masterName, ttl, maxEvents, DEFAULT_TIMEOUT, DEFAULT_POOL_SIZE);
  }

  /** A standalone server with every default. */
  public static RedisStoreOptions of(String url) {
    return new RedisStoreOptions(url, "standalone", List.of(), null, DEFAULT_TTL, DEFAULT_MAX_EVENTS);
  }

  public RedisStoreOptions withTtl(Duration ttl) {
    return new RedisStoreOptions(url, type, endpoints, masterName, ttl, maxEvents, timeout, poolSize);
  }

  public RedisStoreOptions withMaxEvents(int maxEvents) {
    return new RedisStoreOptions(url, type, endpoints, masterName, ttl, maxEvents, timeout, poolSize);
  }

  public RedisStoreOptions withTimeout(Duration timeout) {
    return new RedisStoreOptions(url, type, endpoints, masterName, ttl, maxEvents, timeout, poolSize);
  }

  /** The Vert.x client options. Connecting stays lazy: nothing is dialled until the first command. */
  RedisOptions redisOptions() {
    List<String> nodes = endpoints.isEmpty() ? List.of(url) : endpoints;
    RedisOptions options = new RedisOptions()
        .setEndpoints(nodes)
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(4096)
        // commands in flight on the store's one pipelined connection (per node)
        .setMaxWaitingHandlers(4096);
    // the default connect timeout is 60 s: a blackholed Redis must not stall startup or requests that long
    options.getNetClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    switch (type) {
      case "cluster" -> options.setType(RedisClientType.CLUSTER);
      case "sentinel" -> options.setType(RedisClientType.SENTINEL).setMasterName(masterName).setRole(RedisRole.MASTER);
      default -> options.setType(RedisClientType.STANDALONE);
    }
    return options;
  }
}
