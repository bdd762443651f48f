package dev.rebound.store;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of {@link EmbeddedCheckpointStore}.
 *
 * @param directory     where the store file ({@value EmbeddedCheckpointStore#FILE_NAME}) lives; created if missing
 * @param ttl           a session expires this long after its last write
 * @param maxEvents     cap of each session's event stream
 * @param purgeInterval how often expired sessions are removed from disk (they read as missing as soon as they expire)
 * @param clock         time source for timestamps and expiry (injectable for tests)
 */
public record EmbeddedStoreOptions(Path directory, Duration ttl, int maxEvents, Duration purgeInterval, Clock clock) {

  public static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofMinutes(10);

  public EmbeddedStoreOptions {
    Objects.requireNonNull(directory, "store.path is required");
    ttl = ttl == null ? RedisStoreOptions.DEFAULT_TTL : ttl;
    purgeInterval = purgeInterval == null ? DEFAULT_PURGE_INTERVAL : purgeInterval;
    clock = clock == null ? Clock.systemUTC() : clock;
    if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("store.ttl must be positive: " + ttl);
    if (maxEvents < 1) throw new IllegalArgumentException("store.maxEvents must be >= 1: " + maxEvents);
    if (purgeInterval.toMillis() < 1) throw new IllegalArgumentException("purgeInterval must be >= 1 ms");
  }

  /** Defaults: ttl 7 days, 1000 events per session, purge every 10 minutes, system clock. */
  public static EmbeddedStoreOptions of(Path directory) {
    return new EmbeddedStoreOptions(directory, RedisStoreOptions.DEFAULT_TTL, RedisStoreOptions.DEFAULT_MAX_EVENTS,
        DEFAULT_PURGE_INTERVAL, Clock.systemUTC());
  }

  public EmbeddedStoreOptions withTtl(Duration ttl) {
    return new EmbeddedStoreOptions(directory, ttl, maxEvents, purgeInterval, clock);
  }

  public EmbeddedStoreOptions withMaxEvents(int maxEvents) {
    return new EmbeddedStoreOptions(directory, ttl, maxEvents, purgeInterval, clock);
  }

  public EmbeddedStoreOptions withClock(Clock clock) {
    return new EmbeddedStoreOptions(directory, ttl, maxEvents, purgeInterval, clock);
  }
}
