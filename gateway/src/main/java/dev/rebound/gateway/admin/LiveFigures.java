package dev.rebound.gateway.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's live figures, read from the gateway's own meters (the ones /metrics serves, so a chart here and a
 * Grafana panel on the same gateway agree): requests per second over the last 10 s; over the last minute the client
 * errors in percent, upstream failures by kind, recovery success, p95 latency and time to first token, and tokens (per
 * minute: the counts of the last minute, or of the time since the start while the gateway is younger).
 *
 * <p>Each {@link #read} takes a cumulative reading of the meters; a figure is the difference between the newest reading
 * and the oldest one within its window (since the start while the gateway is younger than the window). Percentiles are
 * read from the histogram buckets as Prometheus's histogram_quantile does (linear within the bucket), kept at or below
 * the largest value the timer saw lately. Not thread-safe: one timer reads.
 */
final class LiveFigures {
  static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
  static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** The meters' totals at one moment. */
  record Reading(long nanos, double requests, double errors, Map<String, Double> failuresByKind, double recovered,
      double gaveUp, Histogram latency, Histogram firstToken, Map<String, Double> tokensByType) {}

  /** A timer family's cumulative bucket counts (bound in ms to the count at or below it), their count and max (ms). */
  record Histogram(TreeMap<Double, Double> cumulative, double count, double maxMs) {}

  private final MeterRegistry registry;
  /** Oldest first, reaching back a little more than a minute. */
  private final ArrayDeque<Reading> readings = new ArrayDeque<>();

  LiveFigures(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Takes a reading now and answers the figures it makes with the readings before it. */
  JsonObject read(long nowNanos) {
    Reading now = reading(nowNanos);
    readings.addLast(now);
    // keep the newest reading at least a minute old: the base of the minute's figures
    while (readings.size() > 2 && nowNanos - secondOldest().nanos() >= MINUTE_NANOS) readings.removeFirst();
    return figures(now);
  }

  private Reading secondOldest() {
    var it = readings.iterator();
    it.next();
    return it.next();
  }

  /** The oldest reading no older than {@code window} before {@code now} (the first one while none is older). */
  private Reading base(Reading now, long window) {
    Reading base = readings.peekFirst();
    for (Reading r : readings) {
      if (now.nanos() - r.nanos() <= window) return r == now ? base : r;
      base = r;
    }
    return base;
  }

  private JsonObject figures(Reading now) {
    Reading tenSeconds = base(now, RATE_WINDOW_NANOS);
    Reading minute = base(now, MINUTE_NANOS);
    double rateSeconds = Math.max(1e-9, (now.nanos() - tenSeconds.nanos()) / 1e9);
    double requests = now.requests() - minute.requests();
    double recovered = now.recovered() - minute.recovered();
    double gaveUp = now.gaveUp() - minute.gaveUp();
    JsonObject failures = new JsonObject();
    now.failuresByKind().forEach((kind, n) -> {
      double d = n - minute.failuresByKind().getOrDefault(kind, 0.0);
      if (d > 0) failures.put(kind, round(d));
    });
    JsonObject tokens = new JsonObject();
    for (String type : new String[] {"input", "output", "cache_read", "cache_write"}) {
      double d = now.tokensByType().getOrDefault(type, 0.0) - minute.tokensByType().getOrDefault(type, 0.0);
      tokens.put(type, round(d));
    }
    return new JsonObject()
        .put("requestsPerSecond", round((now.requests() - tenSeconds.requests()) / rateSeconds))
        .put("requestsLastMinute", (long) requests)
        .put("errorPercent", requests <= 0 ? null : round(100 * (now.errors() - minute.errors()) / requests))
        .put("failuresPerMinute", failures)
        .put("recoverySuccessPercent", recovered + gaveUp <= 0 ? null : round(100 * recovered / (recovered + gaveUp)))
        .put("p95LatencyMs", percentile(now.latency(), minute.latency(), 0.95))
        .put("p95FirstTokenMs", percentile(now.firstToken(), minute.firstToken(), 0.95))
        .put("tokensPerMinute", tokens);
  }

  private Reading reading(long nanos) {
    double requests = 0;
    double errors = 0;
    for (Counter c : registry.find("rebound.requests").counters()) {
      requests += c.count();
      if (!"none".equals(c.getId().getTag("error"))) errors += c.count();
    }
    Map<String, Double> failures = new TreeMap<>();
    for (Counter c : registry.find("rebound.upstream.failures").counters()) {
      failures.merge(String.valueOf(c.getId().getTag("kind")), c.count(), Double::sum);
    }
    double recovered = 0;
    double gaveUp = 0;
    for (Counter c : registry.find("rebound.recoveries").counters()) {
      if ("recovered".equals(c.getId().getTag("outcome"))) recovered += c.count();
      else gaveUp += c.count();
    }
    Map<String, Double> tokens = new TreeMap<>();
    for (Counter c : registry.find("rebound.tokens").counters()) {
      tokens.merge(String.valueOf(c.getId().getTag("type")), c.count(), Double::sum);
    }
    return new Reading(nanos, requests, errors, failures, recovered, gaveUp, histogram("rebound.request.duration"),
        histogram("rebound.time.to.first.token"), tokens);
  }

  private Histogram histogram(String name) {
    TreeMap<Double, Double> cumulative = new TreeMap<>();
    double count = 0;
    double max = 0;
    for (Timer t : registry.find(name).timers()) {
      var snapshot = t.takeSnapshot();
      count += snapshot.count();
      max = Math.max(max, snapshot.max(TimeUnit.MILLISECONDS));
      for (CountAtBucket b : snapshot.histogramCounts()) {
        cumulative.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
      }
    }
    return new Histogram(cumulative, count, max);
  }

  /**
   * The {@code p} quantile in ms of what was recorded between two readings; null when nothing was. Past the largest
   * bound it is that bound, as Prometheus answers.
   */
  static Double percentile(Histogram now, Histogram before, double p) {
    double count = now.count() - before.count();
    if (count <= 0) return null;
    double rank = p * count;
    double lower = 0;
    double seenBelow = 0;
    double estimate = now.cumulative().isEmpty() ? now.maxMs() : now.cumulative().lastKey();
    for (var bucket : now.cumulative().entrySet()) {
      double upper = bucket.getKey();
      double seen = bucket.getValue() - before.cumulative().getOrDefault(upper, 0.0);
      if (seen >= rank) {
        double within = seen == seenBelow ? 1 : (rank - seenBelow) / (seen - seenBelow);
        estimate = lower + within * (upper - lower);
        break;
      }
      lower = upper;
      seenBelow = seen;
    }
    // the timer's max is of the last two minutes or so: a bucket's upper part nobody reached is not shown
    if (now.maxMs() > 0) estimate = Math.min(estimate, now.maxMs());
    return round(estimate);
  }

  private static double round(double v) {
    return BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_UP).doubleValue();
  }
}
