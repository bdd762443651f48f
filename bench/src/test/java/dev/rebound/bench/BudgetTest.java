package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BudgetTest {
  private static Stats.Summary s(double median, double min, double max) {
    return new Stats.Summary(median, min, max, 3);
  }

  @Test
  void throughputRatioAtLeast() {
    Budget b = Budget.ratioAtLeast(Metric.THROUGHPUT, 0.8);
    assertEquals(">= 0.80x", b.text());
    Budget.Verdict ok = b.check(s(0.85, 0.82, 0.9));
    assertTrue(ok.measured() && ok.met() && !ok.straddles());
    assertEquals("met", ok.word());

    Budget.Verdict edge = b.check(s(0.8, 0.8, 0.8));
    assertTrue(edge.met(), "the target itself meets the budget");

    Budget.Verdict miss = b.check(s(0.7, 0.65, 0.75));
    assertFalse(miss.met());
    assertEquals(0.1, b.shortfall(miss.value()), 1e-9);
  }

  @Test
  void addedLatencyAtMostAndASpreadAcrossTheTargetIsFlagged() {
    Budget b = Budget.addedAtMost(Metric.P50, 120, "<= +120 us");
    Budget.Verdict v = b.check(s(110, 90, 140));
    assertTrue(v.met());
    assertTrue(v.straddles());
    assertEquals("met (spread crosses target)", v.word());

    Budget.Verdict miss = b.check(s(150, 130, 170));
    assertFalse(miss.met());
    assertFalse(miss.straddles());
    assertEquals(30, b.shortfall(miss.value()), 1e-9);
    assertEquals(0, b.shortfall(v.value()));
  }

  @Test
  void nothingMeasuredIsNeitherMetNorMissed() {
    Budget.Verdict v = Budget.gatewayAtMost(Metric.GATEWAY_CPU, 60, "<= 60 us").check(Stats.Summary.EMPTY);
    assertFalse(v.measured());
    assertEquals("not measured", v.word());
  }
}
