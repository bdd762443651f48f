package dev.rebound.bench;

import java.util.Locale;

/**
 * A performance target from the issue, checked on the median of the interleaved repetitions. A check whose
 * repetitions fall on both sides of the target is reported as met or missed by its median, flagged as straddling.
 *
 * @param basis COMPARISON: the pairwise B/A ratio or B - A difference of {@code metric}; GATEWAY: B's own figure
 */
public record Budget(Metric metric, Basis basis, Op op, double threshold, String text) {
  public enum Basis { COMPARISON, GATEWAY }

  public enum Op { AT_LEAST, AT_MOST }

  /** The outcome of one check. {@code measured} is false when there was nothing to check (no successful request). */
  public record Verdict(Budget budget, Stats.Summary value, boolean measured, boolean met, boolean straddles) {
    public String word() {
      if (!measured) return "not measured";
      return (met ? "met" : "MISSED") + (straddles ? " (spread crosses target)" : "");
    }
  }

  public static Budget ratioAtLeast(Metric m, double threshold) {
    return new Budget(m, Basis.COMPARISON, Op.AT_LEAST, threshold, String.format(Locale.ROOT, ">= %.2fx", threshold));
  }

  public static Budget addedAtMost(Metric m, double micros, String text) {
    return new Budget(m, Basis.COMPARISON, Op.AT_MOST, micros, text);
  }

  public static Budget gatewayAtMost(Metric m, double value, String text) {
    return new Budget(m, Basis.GATEWAY, Op.AT_MOST, value, text);
  }

  public Verdict check(Stats.Summary s) {
    if (s == null || s.isEmpty()) return new Verdict(this, Stats.Summary.EMPTY, false, false, false);
    boolean met = holds(s.median());
    boolean straddles = holds(s.min()) != holds(s.max());
    return new Verdict(this, s, true, met, straddles);
  }

  private boolean holds(double v) {
    return op == Op.AT_LEAST ? v >= threshold : v <= threshold;
  }

  /** How much the median misses by, in the metric's terms (positive = missed); 0 when met. */
  public double shortfall(Stats.Summary s) {
    if (s == null || s.isEmpty() || holds(s.median())) return 0;
    return op == Op.AT_LEAST ? threshold - s.median() : s.median() - threshold;
  }
}
