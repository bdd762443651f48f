package dev.rebound.bench;

/** Figures read from one measured phase, and how the two targets are compared on each. */
public enum Metric {
  THROUGHPUT("throughput", "throughput", Unit.PER_SECOND, Compare.RATIO, false),
  P50("p50Us", "latency p50", Unit.MICROS, Compare.ADDED, false),
  P90("p90Us", "latency p90", Unit.MICROS, Compare.ADDED, false),
  P99("p99Us", "latency p99", Unit.MICROS, Compare.ADDED, false),
  MAX("maxUs", "latency max", Unit.MICROS, Compare.ADDED, false),
  TTFT_P50("ttftP50Us", "TTFT p50", Unit.MICROS, Compare.ADDED, true),
  TTFT_P99("ttftP99Us", "TTFT p99", Unit.MICROS, Compare.ADDED, true),
  MAX_GAP("maxGapUs", "largest gap between events", Unit.MICROS, Compare.ADDED, true),
  SUCCESS("successShare", "requests answered 200", Unit.SHARE, Compare.ADDED, false),
  COMPLETE_STREAMS("completeStreamShare", "streams complete", Unit.SHARE, Compare.ADDED, true),
  GATEWAY_CPU("gatewayCpuUsPerRequest", "gateway CPU per request", Unit.MICROS, Compare.NONE, false),
  /** The parts of {@link #GATEWAY_CPU} the gateway's JVM spent compiling and collecting garbage. */
  GATEWAY_JIT_CPU("gatewayJitCpuUsPerRequest", "of which JIT compiling", Unit.MICROS, Compare.NONE, false),
  GATEWAY_GC_CPU("gatewayGcCpuUsPerRequest", "of which garbage collection", Unit.MICROS, Compare.NONE, false),
  /** The part of {@link #GATEWAY_CPU} its embedded session store's threads used (worker, fsync, checkpoint). */
  GATEWAY_STORE_CPU("gatewayStoreCpuUsPerRequest", "of which the embedded store", Unit.MICROS, Compare.NONE, false),
  STORE_CPU("storeCpuUsPerRequest", "Redis CPU per request", Unit.MICROS, Compare.NONE, false),
  GATEWAY_RSS("gatewayPeakRssMb", "gateway peak RSS", Unit.MEGABYTES, Compare.NONE, false),
  MOCK_CPU("mockCpuUsPerRequest", "mock-llm CPU per request", Unit.MICROS, Compare.ADDED, false),
  BENCH_CPU("benchCpuUsPerRequest", "load generator CPU per request", Unit.MICROS, Compare.ADDED, false),
  OTHER_LOAD("otherLoadShare", "CPU used by other processes", Unit.SHARE, Compare.CONTEXT, false);

  public enum Unit { PER_SECOND, MICROS, SHARE, MEGABYTES }

  /**
   * RATIO: B/A; ADDED: B - A; NONE: only B matters (e.g. the gateway's own CPU); CONTEXT: both shown, not compared
   * (conditions of the measurement, e.g. how busy the rest of the machine was).
   */
  public enum Compare { RATIO, ADDED, NONE, CONTEXT }

  private final String key;
  private final String label;
  private final Unit unit;
  private final Compare compare;
  private final boolean streamOnly;

  Metric(String key, String label, Unit unit, Compare compare, boolean streamOnly) {
    this.key = key;
    this.label = label;
    this.unit = unit;
    this.compare = compare;
    this.streamOnly = streamOnly;
  }

  public String key() {
    return key;
  }

  public String label() {
    return label;
  }

  public Unit unit() {
    return unit;
  }

  public Compare compare() {
    return compare;
  }

  public boolean streamOnly() {
    return streamOnly;
  }

  /** Whether the report shows this metric for a workload. */
  public boolean appliesTo(Workload w) {
    return !streamOnly || w.stream();
  }
}
