package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void medianOfOddAndEvenCountsAndTheRange() {
    Stats.Summary odd = Stats.summarize(List.of(5.0, 1.0, 3.0));
    assertEquals(3.0, odd.median());
    assertEquals(1.0, odd.min());
    assertEquals(5.0, odd.max());
    assertEquals(3, odd.n());
    assertEquals(4.0, odd.spread());

    Stats.Summary even = Stats.summarize(List.of(4.0, 1.0, 10.0, 2.0));
    assertEquals(3.0, even.median(), "mean of the two middle values");
    assertEquals(1.0, even.min());
    assertEquals(10.0, even.max());
  }

  @Test
  void notANumberIsLeftOutAndNothingGivesAnEmptySummary() {
    Stats.Summary s = Stats.summarize(Arrays.asList(Double.NaN, 2.0, null, 4.0));
    assertEquals(3.0, s.median());
    assertEquals(2, s.n());
    assertTrue(Stats.summarize(List.of(Double.NaN)).isEmpty());
    assertTrue(Stats.summarize(List.of()).isEmpty());
  }

  @Test
  void ratioIsBOverAAndUndefinedOverZero() {
    assertEquals(0.8, Stats.ratio(1000, 800), 1e-12);
    assertEquals(1.25, Stats.ratio(800, 1000), 1e-12);
    assertTrue(Double.isNaN(Stats.ratio(0, 5)));
    assertTrue(Double.isNaN(Stats.ratio(Double.NaN, 5)));
  }

  @Test
  void addedLatencyIsBMinusA() {
    assertEquals(95.0, Stats.added(410, 505));
    assertEquals(-12.0, Stats.added(100, 88), "the gateway can come out ahead within noise; that is reported as is");
  }

  @Test
  void comparisonIsPerInterleavedPairNotOfTheMedians() {
    // drift: both targets slow down together in the third pair; per-pair ratios stay at 0.9
    List<Double> direct = List.of(1000.0, 1000.0, 500.0);
    List<Double> gateway = List.of(900.0, 900.0, 450.0);
    Stats.Summary ratio = Stats.summarize(Stats.pairwise(direct, gateway, Metric.Compare.RATIO));
    assertEquals(0.9, ratio.median(), 1e-12);
    assertEquals(0.9, ratio.min(), 1e-12);
    assertEquals(0.9, ratio.max(), 1e-12);

    List<Double> added = Stats.pairwise(List.of(100.0, 120.0), List.of(190.0, 230.0, 999.0), Metric.Compare.ADDED);
    assertEquals(List.of(90.0, 110.0), added, "pairs up to the shorter list");
    Stats.Summary s = Stats.summarize(added);
    assertEquals(100.0, s.median());
    assertEquals(90.0, s.min());
    assertEquals(110.0, s.max());
  }
}
