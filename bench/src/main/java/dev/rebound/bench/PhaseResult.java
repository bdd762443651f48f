package dev.rebound.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * One measured phase against one target.
 *
 * @param target          {@code direct} (A), or the B side: {@code gateway}, a peer ({@code reference-proxy},
 *                        {@code nginx}), {@code gateway-translated} or {@code gateway-sessions-off}
 * @param label           {@code warm-up} or {@code rep N}
 * @param requests        requests that finished (any outcome)
 * @param answered200     of which answered with status 200
 * @param ok              of which succeeded: a whole non-stream body, or a stream that ended cleanly
 * @param streamRequests  requests that asked for a stream
 * @param completeStreams streams that ended with the protocol's end event and no error event
 * @param errors          by kind: {@code http-429}, {@code connection}, {@code timeout}, {@code stream-cut}
 *                        (connection dropped mid-stream), {@code stream-error-event}, {@code stream-incomplete}
 *                        (ended without the end event), {@code stuck} (still unanswered when the phase gave up
 *                        waiting, see {@link LoadGenerator#drainTimeoutMs})
 * @param recoveries      the gateway's {@code x-rebound-recovery} entries, by kind, summed
 * @param faultsArmed     mock faults armed for this phase's requests, by kind, plus {@code unused} (never reached
 *                        the mock)
 * @param latency         microseconds from sending the request to the end of the answer, successful requests only
 * @param ttft            microseconds from sending to the first content event, successful streams only
 * @param gaps            per successful stream, its largest gap between two events, microseconds
 * @param sessionEvents   session workloads through a sessions scenario's gateway (either side, sessions on or off):
 *                        the gateway's decisions by type during the phase
 *                        ({@code checkpoint}, {@code fork}, {@code session-unrecorded}, {@code route}, ...), read from
 *                        its /metrics before and after; empty otherwise
 */
public record PhaseResult(String target, String label, long elapsedNanos, long requests, long answered200, long ok,
                          long streamRequests, long completeStreams, Map<String, Long> errors,
                          Map<String, Long> recoveries, Map<String, Long> faultsArmed,
                          Histogram latency, Histogram ttft, Histogram gaps, Resources resources,
                          Map<String, Long> sessionEvents) {

  public PhaseResult(String target, String label, long elapsedNanos, long requests, long answered200, long ok,
                     long streamRequests, long completeStreams, Map<String, Long> errors,
                     Map<String, Long> recoveries, Map<String, Long> faultsArmed,
                     Histogram latency, Histogram ttft, Histogram gaps, Resources resources) {
    this(target, label, elapsedNanos, requests, answered200, ok, streamRequests, completeStreams, errors, recoveries,
        faultsArmed, latency, ttft, gaps, resources, Map.of());
  }

  /** The same phase with more fault counters (e.g. how many armed faults were never used). */
  public PhaseResult withFaultsArmed(Map<String, Long> more) {
    Map<String, Long> all = new TreeMap<>(faultsArmed);
    more.forEach((k, v) -> all.merge(k, v, Long::sum));
    return new PhaseResult(target, label, elapsedNanos, requests, answered200, ok, streamRequests, completeStreams,
        errors, recoveries, all, latency, ttft, gaps, resources, sessionEvents);
  }

  /**
   * The same phase with the gateway's session decisions over it; a {@code fork} (the gateway found a request that did
   * not continue its stored history) or {@code session-unrecorded} (a turn the store did not take) also counts as an
   * error of that kind: the load is meant to continue every session and store every turn.
   */
  public PhaseResult withSessionEvents(Map<String, Long> events) {
    Map<String, Long> errs = new TreeMap<>(errors);
    for (String kind : new String[] {"fork", "session-unrecorded"}) {
      long n = events.getOrDefault(kind, 0L);
      if (n > 0) errs.merge(kind.startsWith("session-") ? kind : "session-" + kind, n, Long::sum);
    }
    return new PhaseResult(target, label, elapsedNanos, requests, answered200, ok, streamRequests, completeStreams,
        errs, recoveries, faultsArmed, latency, ttft, gaps, resources, new TreeMap<>(events));
  }

  public double seconds() {
    return elapsedNanos / 1e9;
  }

  /** The figure for one metric; NaN when it was not measured in this phase. */
  public double metric(Metric m) {
    return switch (m) {
      case THROUGHPUT -> elapsedNanos <= 0 ? Double.NaN : ok / seconds();
      case P50 -> Histograms.percentile(latency, 50);
      case P90 -> Histograms.percentile(latency, 90);
      case P99 -> Histograms.percentile(latency, 99);
      case MAX -> Histograms.max(latency);
      case TTFT_P50 -> Histograms.percentile(ttft, 50);
      case TTFT_P99 -> Histograms.percentile(ttft, 99);
      case MAX_GAP -> Histograms.max(gaps);
      case SUCCESS -> requests == 0 ? Double.NaN : 100.0 * answered200 / requests;
      case COMPLETE_STREAMS -> streamRequests == 0 ? Double.NaN : 100.0 * completeStreams / streamRequests;
      case GATEWAY_CPU -> perRequestMicros(resources.gatewayCpuNanos());
      case GATEWAY_JIT_CPU -> perRequestMicros(resources.gatewayJitCpuNanos());
      case GATEWAY_GC_CPU -> perRequestMicros(resources.gatewayGcCpuNanos());
      case GATEWAY_STORE_CPU -> perRequestMicros(resources.gatewayStoreCpuNanos());
      case STORE_CPU -> perRequestMicros(resources.storeCpuNanos());
      case MOCK_CPU -> perRequestMicros(resources.mockCpuNanos());
      case BENCH_CPU -> perRequestMicros(resources.benchCpuNanos());
      case GATEWAY_RSS -> resources.gatewayPeakRssKb() < 0 ? Double.NaN : resources.gatewayPeakRssKb() / 1024.0;
      case OTHER_LOAD -> resources.otherLoadPercent(Runtime.getRuntime().availableProcessors());
    };
  }

  private double perRequestMicros(long nanos) {
    return nanos < 0 || requests == 0 ? Double.NaN : nanos / 1000.0 / requests;
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Adds up counters by kind. */
  static Map<String, Long> sum(Iterable<Map<String, Long>> maps) {
    Map<String, Long> total = new TreeMap<>();
    for (Map<String, Long> m : maps) m.forEach((k, v) -> total.merge(k, v, Long::sum));
    return total;
  }

  /** One line for the console. */
  public String oneLine(Workload w) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(java.util.Locale.ROOT, "%-20s %-8s %6d req %8s  p50 %9s  p99 %9s",
        target, label, requests, Format.throughput(metric(Metric.THROUGHPUT)),
        Format.micros(metric(Metric.P50)), Format.micros(metric(Metric.P99))));
    if (w.stream()) s.append("  ttft p50 ").append(Format.micros(metric(Metric.TTFT_P50)));
    double cpu = metric(Metric.GATEWAY_CPU);
    if (!target.equals(Runner.DIRECT) && !Double.isNaN(cpu)) {
      s.append("  cpu ").append(Format.micros(cpu)).append("/req");
      // what the JVM spent besides serving, when it is a visible part: a phase that compiled or collected much
      double jit = metric(Metric.GATEWAY_JIT_CPU);
      double gc = metric(Metric.GATEWAY_GC_CPU);
      if (jit >= 0.05 * cpu || gc >= 0.05 * cpu) {
        s.append(" (JIT ").append(Format.micros(jit)).append(", GC ").append(Format.micros(gc)).append(')');
      }
    }
    if (errorCount() > 0) s.append("  errors ").append(errors);
    return s.toString();
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", target);
    m.put("label", label);
    m.put("seconds", Math.round(seconds() * 1000) / 1000.0);
    m.put("requests", requests);
    m.put("answered200", answered200);
    m.put("ok", ok);
    if (streamRequests > 0) {
      m.put("streamRequests", streamRequests);
      m.put("completeStreams", completeStreams);
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    for (Metric metric : Metric.values()) {
      double v = metric(metric);
      if (!Double.isNaN(v)) metrics.put(metric.key(), Format.round(v));
    }
    m.put("metrics", metrics);
    m.put("errors", errors);
    if (!recoveries.isEmpty()) m.put("recoveries", recoveries);
    if (!faultsArmed.isEmpty()) m.put("faultsArmed", faultsArmed);
    if (!sessionEvents.isEmpty()) m.put("gatewaySessionEvents", sessionEvents);
    m.put("latency", Histograms.describe(latency));
    if (streamRequests > 0) {
      m.put("ttft", Histograms.describe(ttft));
      m.put("largestGapPerStream", Histograms.describe(gaps));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("gatewayCpuMs", resources.gatewayCpuNanos() < 0 ? null : resources.gatewayCpuNanos() / 1e6);
    r.put("mockCpuMs", resources.mockCpuNanos() < 0 ? null : resources.mockCpuNanos() / 1e6);
    r.put("benchCpuMs", resources.benchCpuNanos() < 0 ? null : resources.benchCpuNanos() / 1e6);
    if (resources.storeCpuNanos() >= 0) r.put("storeCpuMs", resources.storeCpuNanos() / 1e6);
    if (resources.gatewayJitCpuNanos() >= 0) r.put("gatewayJitCpuMs", resources.gatewayJitCpuNanos() / 1e6);
    if (resources.gatewayGcCpuNanos() >= 0) r.put("gatewayGcCpuMs", resources.gatewayGcCpuNanos() / 1e6);
    if (resources.gatewayStoreCpuNanos() >= 0) r.put("gatewayStoreCpuMs", resources.gatewayStoreCpuNanos() / 1e6);
    r.put("gatewayPeakRssKb", resources.gatewayPeakRssKb() < 0 ? null : resources.gatewayPeakRssKb());
    r.put("otherProcessesCpuMs", resources.otherCpuNanos() < 0 ? null : resources.otherCpuNanos() / 1e6);
    m.put("resources", r);
    return m;
  }
}
