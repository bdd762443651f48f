package dev.rebound.routing;

import java.util.function.Supplier;

/** A value computed once, on first use: routing only pays for task analysis when a rule or a reader needs it. */
final class Memo<T> implements Supplier<T> {
  private Supplier<T> source;
  private T value;

  Memo(Supplier<T> source) {
    this.source = source;
  }

  @Override
  public synchronized T get() {
    if (source != null) {
      value = source.get();
      source = null;
    }
    return value;
  }

  synchronized boolean computed() {
    return source == null;
  }
}
