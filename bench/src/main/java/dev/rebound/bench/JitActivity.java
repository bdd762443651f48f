package dev.rebound.bench;

/** How busy the JIT compilers of the measured processes were between two readings of their CPU time. */
final class JitActivity {
  private JitActivity() {}

  /**
   * The largest share of one core any process's compiler threads used over {@code wallNanos}; NaN when a reading is
   * unknown (-1) or no time passed.
   */
  static double busiestShare(long[] before, long[] after, long wallNanos) {
    if (wallNanos <= 0 || before.length != after.length || before.length == 0) return Double.NaN;
    double busiest = 0;
    for (int i = 0; i < before.length; i++) {
      if (before[i] < 0 || after[i] < 0) return Double.NaN;
      busiest = Math.max(busiest, (after[i] - before[i]) / (double) wallNanos);
    }
    return busiest;
  }
}
