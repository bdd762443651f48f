package dev.rebound.store;

import java.time.Clock;
import java.time.Duration;

/**
 * Configuration of {@link BufferedCheckpointStore}.
 *
 * @param maxQueued      writes kept while the backend is unreachable; past it new writes are dropped (and counted)
 * @param retryFirst     first flush retry delay after the backend became unreachable; doubles on every failed retry
 * @param retryMax       cap of the retry delay
 * @param clock          stamps provisional results
 * @param maxQueuedChars message text the kept writes may hold in all (a turn's history shared with the turn before
 *                       it counts once); past it new writes are dropped too, so an outage under long sessions cannot
 *                       fill the heap
 */
public record BufferedStoreOptions(int maxQueued, Duration retryFirst, Duration retryMax, Clock clock,
    long maxQueuedChars) {

  public static final int DEFAULT_MAX_QUEUED = 10_000;
  /**
   * 32 Mi characters: 32 to 64 MiB of the shipped 256 MiB heap (a character of a Java string takes one byte, two
   * outside Latin-1).
   */
  public static final long DEFAULT_MAX_QUEUED_CHARS = 32L * 1024 * 1024;

  public BufferedStoreOptions(int maxQueued, Duration retryFirst, Duration retryMax, Clock clock) {
    this(maxQueued, retryFirst, retryMax, clock, DEFAULT_MAX_QUEUED_CHARS);
  }

  public BufferedStoreOptions {
    retryFirst = retryFirst == null ? Duration.ofMillis(500) : retryFirst;
    retryMax = retryMax == null ? Duration.ofSeconds(5) : retryMax;
    clock = clock == null ? Clock.systemUTC() : clock;
    if (maxQueued < 0) throw new IllegalArgumentException("maxQueued must be >= 0: " + maxQueued);
    if (maxQueuedChars < 0) throw new IllegalArgumentException("maxQueuedChars must be >= 0: " + maxQueuedChars);
    if (retryFirst.toMillis() < 1 || retryMax.compareTo(retryFirst) < 0) {
      throw new IllegalArgumentException("retry delays must satisfy 1 ms <= retryFirst <= retryMax");
    }
  }

  /** 10 000 queued writes, retry after 500 ms doubling up to 5 s. */
  public static BufferedStoreOptions defaults() {
    return new BufferedStoreOptions(DEFAULT_MAX_QUEUED, null, null, null);
  }

  public BufferedStoreOptions withMaxQueued(int maxQueued) {
    return new BufferedStoreOptions(maxQueued, retryFirst, retryMax, clock, maxQueuedChars);
  }

  public BufferedStoreOptions withMaxQueuedChars(long maxQueuedChars) {
    return new BufferedStoreOptions(maxQueued, retryFirst, retryMax, clock, maxQueuedChars);
  }
}
