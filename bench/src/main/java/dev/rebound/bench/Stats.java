package dev.rebound.bench;

import java.util.ArrayList;
import java.util.List;

/** Medians, spreads and the pairwise comparison of interleaved repetitions. */
public final class Stats {
  private Stats() {}

  /** Median and range of a set of figures (one per repetition). NaN values (not measured) are ignored. */
  public record Summary(double median, double min, double max, int n) {
    public static final Summary EMPTY = new Summary(Double.NaN, Double.NaN, Double.NaN, 0);

    public boolean isEmpty() {
      return n == 0;
    }

    /** max - min. */
    public double spread() {
      return max - min;
    }
  }

  public static Summary summarize(List<Double> values) {
    List<Double> v = new ArrayList<>();
    for (Double d : values) if (d != null && !d.isNaN()) v.add(d);
    if (v.isEmpty()) return Summary.EMPTY;
    v.sort(Double::compare);
    int n = v.size();
    double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2.0;
    return new Summary(median, v.get(0), v.get(n - 1), n);
  }

  /** b / a; NaN when a is 0 or either is not a number. */
  public static double ratio(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b) || a == 0) return Double.NaN;
    return b / a;
  }

  /** b - a (what B adds over A). */
  public static double added(double a, double b) {
    return b - a;
  }

  /** The comparison of each interleaved pair (A_i, B_i). Lists of different lengths are paired up to the shorter. */
  public static List<Double> pairwise(List<Double> a, List<Double> b, Metric.Compare how) {
    List<Double> out = new ArrayList<>();
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      out.add(switch (how) {
        case RATIO -> ratio(a.get(i), b.get(i));
        case ADDED -> added(a.get(i), b.get(i));
        case NONE, CONTEXT -> Double.NaN;
      });
    }
    return out;
  }
}
