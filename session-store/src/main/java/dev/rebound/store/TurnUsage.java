package dev.rebound.store;

/**
 * The tokens one answer reported (stored on its assistant turn) or a sum of them (on a session's meta). {@code input}
 * is the prompt tokens not read from or written to a cache, so input + cacheRead + cacheWrite is the whole prompt.
 */
public record TurnUsage(long input, long output, long cacheRead, long cacheWrite) {
  public static final TurnUsage NONE = new TurnUsage(0, 0, 0, 0);

  public TurnUsage {
    if (input < 0 || output < 0 || cacheRead < 0 || cacheWrite < 0) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
  }

  public static TurnUsage orNone(TurnUsage usage) {
    return usage == null ? NONE : usage;
  }

  public boolean isEmpty() {
    return input == 0 && output == 0 && cacheRead == 0 && cacheWrite == 0;
  }

  /** Every token the answer cost: the whole prompt and the output. */
  public long total() {
    return input + output + cacheRead + cacheWrite;
  }

  public TurnUsage plus(TurnUsage other) {
    if (other == null || other.isEmpty()) return this;
    return new TurnUsage(input + other.input, output + other.output, cacheRead + other.cacheRead,
        cacheWrite + other.cacheWrite);
  }

  /** The sum of the usage stored on {@code messages}. */
  public static TurnUsage sumOf(Iterable<StoredMessage> messages) {
    TurnUsage sum = NONE;
    for (StoredMessage m : messages) sum = sum.plus(m.usage());
    return sum;
  }
}
