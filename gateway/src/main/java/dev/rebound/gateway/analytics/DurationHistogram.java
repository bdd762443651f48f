package dev.rebound.gateway.analytics;

/**
 * Durations counted in fixed buckets, so a minute's worth takes the same memory for one request or a million, and
 * minutes merge by adding counts. Percentiles are read by linear interpolation within the bucket (as Prometheus's
 * histogram_quantile does), kept within the smallest and largest duration seen; 30 s, the design's recovery target, is
 * a bucket bound. Not thread-safe: its owner locks.
 */
final class DurationHistogram {
  /** Upper bounds in milliseconds; the last bucket holds everything longer. */
  static final long[] BOUNDS_MS = {10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 15_000, 20_000, 30_000,
      45_000, 60_000, 90_000, 120_000, 180_000, 300_000, 600_000};

  private final long[] counts = new long[BOUNDS_MS.length + 1];
  private long count;
  private long minMs = Long.MAX_VALUE;
  private long maxMs = Long.MIN_VALUE;

  void add(long ms) {
    long v = Math.max(0, ms);
    counts[bucketOf(v)]++;
    count++;
    minMs = Math.min(minMs, v);
    maxMs = Math.max(maxMs, v);
  }

  void addAll(DurationHistogram other) {
    for (int i = 0; i < counts.length; i++) counts[i] += other.counts[i];
    count += other.count;
    minMs = Math.min(minMs, other.minMs);
    maxMs = Math.max(maxMs, other.maxMs);
  }

  long count() {
    return count;
  }

  /** The {@code p} quantile (0 < p <= 1) in milliseconds; null when nothing was counted. */
  Long percentile(double p) {
    if (count == 0) return null;
    long rank = Math.max(1, (long) Math.ceil(p * count));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) continue;
      if (seen + counts[i] >= rank) {
        long lower = i == 0 ? 0 : BOUNDS_MS[i - 1];
        long upper = i < BOUNDS_MS.length ? BOUNDS_MS[i] : maxMs;
        double within = (double) (rank - seen) / counts[i];
        long estimate = Math.round(lower + within * (upper - lower));
        return Math.max(minMs, Math.min(maxMs, estimate));
      }
      seen += counts[i];
    }
    return maxMs;
  }

  private static int bucketOf(long ms) {
    for (int i = 0; i < BOUNDS_MS.length; i++) if (ms <= BOUNDS_MS[i]) return i;
    return BOUNDS_MS.length;
  }
}
