package dev.rebound.gateway.config;

import java.time.Duration;

/**
 * Where session checkpoints live: {@code embedded} (local disk under {@code path}) or {@code redis}.
 *
 * @param checkpointEvery an AUTO checkpoint after every this many completed turns
 */
public record StoreConfig(String type, String path, Duration ttl, String redisUrl, int checkpointEvery, Redis redis) {
  public StoreConfig withPath(String newPath) {
    return new StoreConfig(type, newPath, ttl, redisUrl, checkpointEvery, redis);
  }

  /**
   * @param type      standalone | cluster | sentinel
   * @param endpoints further node URLs (cluster seeds, sentinels); the url is the first
   * @param masterName the sentinel master's name
   */
  public record Redis(String type, java.util.List<String> endpoints, String masterName) {}
}
