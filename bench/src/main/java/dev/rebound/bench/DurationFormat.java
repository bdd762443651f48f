package dev.rebound.bench;

import java.time.Duration;
import java.util.Locale;

final class DurationFormat {
  private DurationFormat() {}

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0 && ms < 10_000) return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    return (ms / 1000) + " s";
  }
}
