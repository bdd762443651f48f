package dev.rebound.bench;

/**
 * What the processes used during one phase: CPU time deltas (nanoseconds; -1 when unknown) and the gateway's
 * peak RSS so far (kB). "Gateway" is the process behind the phase's B side: the gateway, or in a peer's phases that
 * peer (nginx: master and worker together), read by the same probe. {@code storeCpuNanos} is the session store's own process (the Redis server the bench
 * started for {@code sessions-redis}); -1 when there is none or it is not ours to read. {@code gatewayJitCpuNanos} and
 * {@code gatewayGcCpuNanos} are the parts of the gateway's CPU time its JVM spent compiling and collecting garbage: a
 * phase whose CPU per request is far above the others' usually holds a burst of one of them.
 * {@code gatewayStoreCpuNanos} is the part its embedded session store's threads used (-1: the gateway has none).
 */
public record Resources(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb,
                        long otherCpuNanos, long wallNanos, long storeCpuNanos, long gatewayJitCpuNanos,
                        long gatewayGcCpuNanos, long gatewayStoreCpuNanos) {
  public static final Resources UNKNOWN = new Resources(-1, -1, -1, -1, -1, -1, -1);

  public Resources(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb,
                   long otherCpuNanos, long wallNanos, long storeCpuNanos) {
    this(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, otherCpuNanos, wallNanos, storeCpuNanos, -1, -1,
        -1);
  }

  public Resources(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb,
                   long otherCpuNanos, long wallNanos) {
    this(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, otherCpuNanos, wallNanos, -1);
  }

  /** What other processes used, as a share (%) of all cores over the time between the two readings; NaN if unknown. */
  public double otherLoadPercent(int cores) {
    if (otherCpuNanos < 0 || wallNanos <= 0) return Double.NaN;
    return Math.min(100.0, 100.0 * otherCpuNanos / ((double) wallNanos * cores));
  }

  /**
   * A reading of the counters at one instant; {@code systemBusyNanos} is the whole machine's non-idle CPU time, so
   * what other processes used is what is left after the gateway, the mock, the bench and the store process.
   */
  public record Snapshot(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb,
                         long systemBusyNanos, long atNanos, long storeCpuNanos, long gatewayJitCpuNanos,
                         long gatewayGcCpuNanos, long gatewayStoreCpuNanos) {
    public Snapshot(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb,
                    long systemBusyNanos, long atNanos, long storeCpuNanos) {
      this(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, systemBusyNanos, atNanos, storeCpuNanos, -1, -1,
          -1);
    }

    public Snapshot(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb,
                    long systemBusyNanos, long atNanos) {
      this(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, systemBusyNanos, atNanos, -1);
    }

    public Snapshot(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb,
                    long systemBusyNanos) {
      this(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, systemBusyNanos, System.nanoTime());
    }

    public Snapshot(long gatewayCpuNanos, long mockCpuNanos, long benchCpuNanos, long gatewayPeakRssKb) {
      this(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, -1);
    }

    /** The same reading with the store process's CPU time. */
    public Snapshot withStoreCpu(long nanos) {
      return new Snapshot(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, systemBusyNanos, atNanos, nanos,
          gatewayJitCpuNanos, gatewayGcCpuNanos, gatewayStoreCpuNanos);
    }

    /**
     * The same reading with the CPU time of the gateway's thread groups ({@link ProcStats#threadCpuNanos}): its JVM's
     * compiler and collector, and its embedded store's threads.
     */
    public Snapshot withGatewayThreadCpu(long jitNanos, long gcNanos, long storeNanos) {
      return new Snapshot(gatewayCpuNanos, mockCpuNanos, benchCpuNanos, gatewayPeakRssKb, systemBusyNanos, atNanos,
          storeCpuNanos, jitNanos, gcNanos, storeNanos);
    }

    public Resources since(Snapshot before) {
      long g = delta(before.gatewayCpuNanos, gatewayCpuNanos);
      long m = delta(before.mockCpuNanos, mockCpuNanos);
      long b = delta(before.benchCpuNanos, benchCpuNanos);
      long s = delta(before.storeCpuNanos, storeCpuNanos);
      long sys = delta(before.systemBusyNanos, systemBusyNanos);
      long other = sys < 0 || g < 0 || m < 0 || b < 0 ? -1 : Math.max(0, sys - g - m - b - Math.max(0, s));
      return new Resources(g, m, b, gatewayPeakRssKb, other, atNanos - before.atNanos, s,
          delta(before.gatewayJitCpuNanos, gatewayJitCpuNanos), delta(before.gatewayGcCpuNanos, gatewayGcCpuNanos),
          delta(before.gatewayStoreCpuNanos, gatewayStoreCpuNanos));
    }

    private static long delta(long a, long b) {
      return a < 0 || b < 0 ? -1 : b - a;
    }
  }

  /** Reads the counters; the bench's topology implements it over /proc. */
  @FunctionalInterface
  public interface Probe {
    Snapshot snapshot();

    Probe NONE = () -> new Snapshot(-1, -1, -1, -1, -1);
  }
}
