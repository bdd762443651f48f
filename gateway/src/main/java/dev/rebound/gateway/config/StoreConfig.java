package dev.rebound.gateway.config;

import java.time.Duration;

/**
 * Where session checkpoints live: {@code embedded} (local disk under {@code path}) or {@code redis}.
 *
 * @param checkpointEvery an AUTO checkpoint after every this many completed turns
 * @param userTurnWait    how long a user turn waits to be stored in one write with its answer; one whose answer takes
 *                        longer is stored on its own then (zero: always on its own, before the first upstream attempt)
 */
public record StoreConfig(String type, String path, Duration ttl, String redisUrl, int checkpointEvery,
    Duration userTurnWait, Redis redis) {
  public static final Duration DEFAULT_USER_TURN_WAIT = Duration.ofSeconds(1);

  public StoreConfig withPath(String newPath) {
    return new StoreConfig(type, newPath, ttl, redisUrl, checkpointEvery, userTurnWait, redis);
  }

  /**
   * @param type      standalone | cluster | sentinel
   * @param endpoints further node URLs (cluster seeds, sentinels); the url is the first
   * @param masterName the sentinel master's name
   */
  public record Redis(String type, java.util.List<String> endpoints, String masterName) {}
}
