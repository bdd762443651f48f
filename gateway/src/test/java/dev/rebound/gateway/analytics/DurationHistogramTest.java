package dev.rebound.gateway.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class DurationHistogramTest {
  @Test
  void oneDurationIsItsOwnEveryPercentile() {
    DurationHistogram h = new DurationHistogram();
    h.add(1_234);
    assertEquals(1_234L, h.percentile(0.5));
    assertEquals(1_234L, h.percentile(0.95));
  }

  @Test
  void percentilesInterpolateWithinTheirBucketAndStayWithinWhatWasSeen() {
    DurationHistogram h = new DurationHistogram();
    for (int i = 0; i < 90; i++) h.add(80); // bucket (50, 100]
    for (int i = 0; i < 10; i++) h.add(25_000); // bucket (20 s, 30 s]
    assertEquals(80L, h.percentile(0.5), "rank 50 of 90 in (50, 100] interpolates to 78, but nothing below 80 was seen");
    assertEquals(98L, h.percentile(0.86), "rank 86 of 90 in (50, 100]: 50 + 86/90 * 50");
    assertEquals(25_000L, h.percentile(0.95), "rank 95: halfway through (20 s, 30 s] is 25 s");
    assertEquals(25_000L, h.percentile(1.0), "never above the largest seen");
  }

  @Test
  void mergedMinutesAddTheirCountsAndNothingCountedHasNoPercentile() {
    DurationHistogram a = new DurationHistogram();
    DurationHistogram b = new DurationHistogram();
    assertNull(a.percentile(0.5));
    a.add(100);
    b.add(700_000); // past the last bound
    a.addAll(b);
    assertEquals(2, a.count());
    assertEquals(700_000L, a.percentile(1.0));
    assertEquals(100L, a.percentile(0.5));
  }
}
