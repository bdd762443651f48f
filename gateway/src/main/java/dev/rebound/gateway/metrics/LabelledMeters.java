package dev.rebound.gateway.metrics;

import io.micrometer.core.instrument.Meter;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The meters of one name, one per set of label values, made on first use and then found without building a Micrometer
 * id or taking a lock. Bounded: label values come from config and enums, never from clients, and should a set of them
 * still grow past {@link #MAX_LABEL_SETS}, the rest are counted under {@value #OTHER}.
 */
final class LabelledMeters<M extends Meter> {
  static final int MAX_LABEL_SETS = 2000;
  static final String OTHER = "other";

  private final ConcurrentHashMap<Labels, M> byLabels = new ConcurrentHashMap<>();
  private final Function<String[], M> make;

  /** @param make registers the meter for the label values given (in the order the callers pass them) */
  LabelledMeters(Function<String[], M> make) {
    this.make = make;
  }

  M get(String... values) {
    // looked up by the values themselves: label values are mostly the same String instances, with their hash kept
    M meter = byLabels.get(new Labels(values));
    if (meter != null) return meter;
    if (byLabels.size() >= MAX_LABEL_SETS) {
      String[] other = new String[values.length];
      Arrays.fill(other, OTHER);
      return byLabels.computeIfAbsent(new Labels(other), k -> make.apply(other));
    }
    String[] kept = values.clone(); // the caller's array is theirs to reuse
    return byLabels.computeIfAbsent(new Labels(kept), k -> make.apply(kept));
  }

  /** A set of label values as a map key. */
  private record Labels(String[] values) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Labels other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(values);
    }
  }
}
