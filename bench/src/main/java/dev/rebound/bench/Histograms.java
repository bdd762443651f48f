package dev.rebound.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Latency histograms in microseconds (3 significant digits, auto-resizing) and their merging. */
public final class Histograms {
  private Histograms() {}

  public static Histogram create() {
    Histogram h = new Histogram(3);
    h.setAutoResize(true);
    return h;
  }

  /** Records a duration given in nanoseconds, rounded to the microsecond. */
  public static void recordNanos(Histogram h, long nanos) {
    h.recordValue(Math.max(0, (nanos + 500) / 1000));
  }

  /** A new histogram holding every value of {@code parts} (the parts are not changed). */
  public static Histogram merge(Collection<Histogram> parts) {
    Histogram total = create();
    for (Histogram h : parts) if (h != null) total.add(h);
    return total;
  }

  /** The value at {@code percentile} (0..100) in microseconds; NaN for an empty histogram. */
  public static double percentile(Histogram h, double percentile) {
    if (h == null || h.getTotalCount() == 0) return Double.NaN;
    return h.getValueAtPercentile(percentile);
  }

  public static double max(Histogram h) {
    if (h == null || h.getTotalCount() == 0) return Double.NaN;
    return h.getMaxValue();
  }

  /** count, mean, p50, p90, p99, p99.9, max (microseconds), for the JSON report. */
  public static Map<String, Object> describe(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    long n = h == null ? 0 : h.getTotalCount();
    m.put("count", n);
    if (n == 0) return m;
    m.put("meanUs", Math.round(h.getMean() * 10) / 10.0);
    m.put("p50Us", h.getValueAtPercentile(50));
    m.put("p90Us", h.getValueAtPercentile(90));
    m.put("p99Us", h.getValueAtPercentile(99));
    m.put("p999Us", h.getValueAtPercentile(99.9));
    m.put("maxUs", h.getMaxValue());
    return m;
  }
}
