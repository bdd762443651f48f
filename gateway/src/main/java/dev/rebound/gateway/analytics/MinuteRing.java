package dev.rebound.gateway.analytics;

import java.util.function.Consumer;

/**
 * Per-minute counts for a fixed span (a ring of one slot per minute): a minute's slot is reused once the span has
 * passed, so memory is bounded whatever the traffic. Events come from every event loop: finding a slot takes the
 * ring's lock, changing its counts the slot's own, each for a few field updates; a reader sums slot by slot.
 */
final class MinuteRing {
  private static final class Slot {
    final long minute;
    final RecoveryCounts counts = new RecoveryCounts();

    Slot(long minute) {
      this.minute = minute;
    }
  }

  private final Slot[] slots;

  MinuteRing(int minutes) {
    if (minutes < 1) throw new IllegalArgumentException("the span must be at least one minute, but was " + minutes);
    this.slots = new Slot[minutes];
  }

  int minutes() {
    return slots.length;
  }

  /** Applies {@code change} to minute {@code minute}'s counts; a minute older than the span kept is not counted. */
  void record(long minute, Consumer<RecoveryCounts> change) {
    int i = (int) Math.floorMod(minute, (long) slots.length);
    Slot s;
    synchronized (slots) {
      s = slots[i];
      if (s == null || s.minute < minute) {
        s = new Slot(minute);
        slots[i] = s;
      } else if (s.minute > minute) {
        return;
      }
    }
    synchronized (s) {
      change.accept(s.counts);
    }
  }

  /** The counts of minutes {@code from} to {@code to}, both included (at most the span kept). */
  RecoveryCounts sum(long from, long to) {
    RecoveryCounts total = new RecoveryCounts();
    long first = Math.max(from, to - slots.length + 1);
    for (long m = first; m <= to; m++) {
      Slot s;
      synchronized (slots) {
        s = slots[(int) Math.floorMod(m, (long) slots.length)];
      }
      if (s == null || s.minute != m) continue;
      synchronized (s) {
        total.addAll(s.counts);
      }
    }
    return total;
  }
}
