package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class HistogramsTest {
  @Test
  void mergeHoldsEveryValueOfEveryPartAndLeavesThePartsAlone() {
    Histogram a = Histograms.create();
    Histogram b = Histograms.create();
    for (int i = 1; i <= 100; i++) a.recordValue(i);          // 1..100 us
    for (int i = 1; i <= 100; i++) b.recordValue(1000 + i);   // 1001..1100 us

    Histogram merged = Histograms.merge(List.of(a, b));

    assertEquals(200, merged.getTotalCount());
    assertEquals(100, a.getTotalCount(), "parts are not changed");
    assertEquals(1100, merged.getMaxValue(), 1100 * 0.001);
    // half the values are <= 100, so the median sits at the top of a's range
    assertEquals(100, Histograms.percentile(merged, 50), 1);
    assertEquals(1099, Histograms.percentile(merged, 99), 2);
  }

  @Test
  void mergeOfNothingIsEmptyAndItsPercentilesAreNotANumber() {
    Histogram merged = Histograms.merge(List.of());
    assertEquals(0, merged.getTotalCount());
    assertTrue(Double.isNaN(Histograms.percentile(merged, 50)));
    assertTrue(Double.isNaN(Histograms.max(merged)));
    assertEquals(0L, Histograms.describe(merged).get("count"));
  }

  @Test
  void recordsNanosecondsAsRoundedMicrosecondsAndGrowsForLongValues() {
    Histogram h = Histograms.create();
    Histograms.recordNanos(h, 1_499);     // 1 us
    Histograms.recordNanos(h, 1_500);     // 2 us
    Histograms.recordNanos(h, -5);        // clock oddity: 0, not an exception
    Histograms.recordNanos(h, 3_600_000_000_000L); // an hour: auto-resize
    assertEquals(4, h.getTotalCount());
    assertEquals(0, h.getMinValue());
    assertEquals(1, h.getCountAtValue(1));
    assertEquals(1, h.getCountAtValue(2));
    assertEquals(3_600_000_000L, h.getMaxValue(), 3_600_000_000L * 0.001);
  }

  @Test
  void mergedPercentilesMatchOneHistogramFedEverything() {
    Histogram whole = Histograms.create();
    Histogram p1 = Histograms.create();
    Histogram p2 = Histograms.create();
    Histogram p3 = Histograms.create();
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    Histogram[] parts = {p1, p2, p3};
    for (int i = 0; i < 30_000; i++) {
      long v = 50 + r.nextLong(20_000);
      whole.recordValue(v);
      parts[i % 3].recordValue(v);
    }
    Histogram merged = Histograms.merge(List.of(p1, p2, p3));
    for (double p : new double[] {50, 90, 99, 99.9, 100}) {
      assertEquals(whole.getValueAtPercentile(p), merged.getValueAtPercentile(p), "p" + p);
    }
  }
}
