package dev.rebound.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Everything measured for one workload: warm-ups, then the interleaved repetitions of A (direct) and each B side (the
 * gateway, then any peer or variant measured next to it), summarised per side (median and range over repetitions),
 * compared with A pair by pair, and checked against the scenario's budgets (on the gateway's side).
 */
public final class WorkloadResult {
  private final String scenario;
  private final Workload workload;
  private final List<PhaseResult> warmups;
  private final List<PhaseResult> direct;
  private final List<Side> sides;
  private final List<Budget> budgets;
  private final Map<Metric, Stats.Summary> directSummary = new EnumMap<>(Metric.class);

  /**
   * One B side's repetitions: the gateway, a {@code --peers} proxy, the gateway translating, or a sessions scenario's
   * gateway with sessions off. Its figures per metric, its comparison with A's repetition of the same pair, its CPU
   * per request over the first side's (the gateway's) in the same repetition, and the gateway's throughput over its
   * own in the same repetition; the process behind it is the one whose CPU and peak RSS its phases read.
   */
  public static final class Side {
    private final String name;
    private final List<PhaseResult> phases;
    private final Map<Metric, Stats.Summary> summary = new EnumMap<>(Metric.class);
    private final Map<Metric, Stats.Summary> vsDirect = new EnumMap<>(Metric.class);
    private final Stats.Summary cpuVsGateway;
    private final Stats.Summary gatewayThroughputOverSide;

    Side(String name, List<PhaseResult> phases, List<PhaseResult> direct, List<PhaseResult> gateway) {
      this.name = name;
      this.phases = List.copyOf(phases);
      for (Metric m : Metric.values()) {
        List<Double> a = values(direct, m);
        List<Double> b = values(phases, m);
        summary.put(m, Stats.summarize(b));
        vsDirect.put(m, Stats.summarize(Stats.pairwise(a, b, m.compare())));
      }
      cpuVsGateway = Stats.summarize(Stats.pairwise(values(gateway, Metric.GATEWAY_CPU), values(phases, Metric.GATEWAY_CPU),
          Metric.Compare.RATIO));
      gatewayThroughputOverSide = Stats.summarize(Stats.pairwise(values(phases, Metric.THROUGHPUT),
          values(gateway, Metric.THROUGHPUT), Metric.Compare.RATIO));
    }

    /** {@code gateway}, a peer's id, {@code gateway-translated} or {@code gateway-sessions-off}. */
    public String name() {
      return name;
    }

    public List<PhaseResult> phases() {
      return phases;
    }

    public Stats.Summary summary(Metric m) {
      return summary.get(m);
    }

    /** The pairwise comparison with A (B/A or B - A per repetition), summarised. */
    public Stats.Summary vsDirect(Metric m) {
      return vsDirect.get(m);
    }

    /** Its CPU per request over the gateway's, per repetition, summarised (1 for the gateway itself). */
    public Stats.Summary cpuVsGateway() {
      return cpuVsGateway;
    }

    /**
     * The gateway's throughput over this side's, per repetition, summarised (1 for the gateway itself): for
     * {@code gateway-sessions-off}, sessions on over sessions off; for {@code baseline-sessions-off}, the same on the
     * baseline build (its {@code baseline} side over it, and its CPU per request against that side's too).
     */
    public Stats.Summary gatewayThroughputOverSide() {
      return gatewayThroughputOverSide;
    }
  }

  public WorkloadResult(String scenario, Workload workload, List<PhaseResult> warmups, List<PhaseResult> direct,
                        List<PhaseResult> gateway, List<Budget> budgets) {
    this(scenario, workload, warmups, direct, Map.of(Runner.GATEWAY, gateway), budgets);
  }

  /** @param sides each B side's repetitions by name, in run order; the first is the gateway's */
  public WorkloadResult(String scenario, Workload workload, List<PhaseResult> warmups, List<PhaseResult> direct,
                        Map<String, List<PhaseResult>> sides, List<Budget> budgets) {
    if (sides.isEmpty()) throw new IllegalArgumentException("a workload has at least the gateway's side");
    this.scenario = scenario;
    this.workload = workload;
    this.warmups = List.copyOf(warmups);
    this.direct = List.copyOf(direct);
    this.budgets = List.copyOf(budgets);
    for (Metric m : Metric.values()) directSummary.put(m, Stats.summarize(values(direct, m)));
    List<PhaseResult> first = sides.values().iterator().next();
    List<Side> out = new ArrayList<>();
    // the baseline build's sessions-off side is set against its own sessions-on side, as gateway-sessions-off is
    List<PhaseResult> baselineOn = sides.get(Peer.BASELINE.id());
    sides.forEach((name, phases) -> out.add(new Side(name, phases, direct,
        name.equals(Runner.BASELINE_SESSIONS_OFF) && baselineOn != null ? baselineOn : first)));
    this.sides = List.copyOf(out);
  }

  private static List<Double> values(List<PhaseResult> phases, Metric m) {
    List<Double> out = new ArrayList<>();
    for (PhaseResult p : phases) out.add(p.metric(m));
    return out;
  }

  public String scenario() {
    return scenario;
  }

  public Workload workload() {
    return workload;
  }

  /** {@code scenario/workload}, e.g. {@code c1/openai}. */
  public String name() {
    return scenario + "/" + workload.name();
  }

  public List<PhaseResult> direct() {
    return direct;
  }

  /** The gateway's repetitions (the first side). */
  public List<PhaseResult> gateway() {
    return sides.get(0).phases();
  }

  /** Every B side, the gateway's first. */
  public List<Side> sides() {
    return sides;
  }

  public List<PhaseResult> warmups() {
    return warmups;
  }

  public Stats.Summary direct(Metric m) {
    return directSummary.get(m);
  }

  public Stats.Summary gateway(Metric m) {
    return sides.get(0).summary(m);
  }

  /** The gateway's pairwise comparison with A (B/A or B - A per repetition), summarised. */
  public Stats.Summary comparison(Metric m) {
    return sides.get(0).vsDirect(m);
  }

  public List<Budget.Verdict> verdicts() {
    List<Budget.Verdict> out = new ArrayList<>();
    for (Budget b : budgets) {
      Stats.Summary s = b.basis() == Budget.Basis.COMPARISON ? comparison(b.metric()) : gateway(b.metric());
      out.add(b.check(s));
    }
    return out;
  }

  /** Which budget applies to a metric's row, if any. */
  public Budget.Verdict verdictFor(Metric m) {
    for (Budget.Verdict v : verdicts()) if (v.budget().metric() == m) return v;
    return null;
  }

  /** Every latency of a target's repetitions in one histogram. */
  public Histogram mergedLatency(List<PhaseResult> phases) {
    return Histograms.merge(phases.stream().map(PhaseResult::latency).toList());
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name());
    m.put("workload", workload.name());
    m.put("description", workload.describe());
    m.put("protocol", workload.protocol().id());
    m.put("stream", workload.stream());
    m.put("concurrency", workload.concurrency());
    m.put("replyWords", workload.replyWords());
    if (workload.stream()) m.put("chunkDelayMs", workload.chunkDelayMs());
    if (workload.faults() != null) m.put("faults", workload.faults().describe());
    m.put("direct", targetJson(direct, directSummary::get));
    Side gw = sides.get(0);
    m.put("gateway", targetJson(gw.phases(), gw::summary));
    m.put("gatewayVsDirect", vsDirectJson(gw));
    if (sides.size() > 1) {
      List<Object> others = new ArrayList<>();
      for (Side side : sides.subList(1, sides.size())) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", side.name());
        o.putAll(targetJson(side.phases(), side::summary));
        o.put("vsDirect", vsDirectJson(side));
        if (!side.cpuVsGateway().isEmpty()) o.put("cpuPerRequestVsGatewayRatio", summaryJson(side.cpuVsGateway()));
        if (!side.gatewayThroughputOverSide().isEmpty()) {
          o.put("gatewayThroughputOverSideRatio", summaryJson(side.gatewayThroughputOverSide()));
        }
        others.add(o);
      }
      m.put("otherSides", others);
    }
    List<Object> budgetJson = new ArrayList<>();
    for (Budget.Verdict v : verdicts()) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("metric", v.budget().metric().key());
      b.put("basis", v.budget().basis() == Budget.Basis.COMPARISON
          ? (v.budget().metric().compare() == Metric.Compare.RATIO ? "ratio" : "added") : "gateway");
      b.put("target", v.budget().text());
      b.put("op", v.budget().op() == Budget.Op.AT_LEAST ? ">=" : "<=");
      b.put("threshold", v.budget().threshold());
      b.put("measured", v.measured());
      if (v.measured()) {
        b.put("value", summaryJson(v.value()));
        b.put("met", v.met());
        b.put("spreadCrossesTarget", v.straddles());
        double miss = v.budget().shortfall(v.value());
        if (miss > 0) b.put("missedBy", Format.round(miss));
      }
      budgetJson.add(b);
    }
    m.put("budgets", budgetJson);
    m.put("warmups", warmups.stream().map(PhaseResult::toJson).toList());
    return m;
  }

  private Map<String, Object> vsDirectJson(Side side) {
    Map<String, Object> cmp = new LinkedHashMap<>();
    for (Metric metric : Metric.values()) {
      if (metric.compare() == Metric.Compare.NONE || metric.compare() == Metric.Compare.CONTEXT
          || !metric.appliesTo(workload)) continue;
      Stats.Summary s = side.vsDirect(metric);
      if (s.isEmpty()) continue;
      String key = metric.compare() == Metric.Compare.RATIO ? metric.key() + "Ratio" : metric.key() + "Added";
      cmp.put(key, summaryJson(s));
    }
    return cmp;
  }

  private Map<String, Object> targetJson(List<PhaseResult> phases, java.util.function.Function<Metric, Stats.Summary> summary) {
    Map<String, Object> t = new LinkedHashMap<>();
    Map<String, Object> med = new LinkedHashMap<>();
    for (Metric metric : Metric.values()) {
      Stats.Summary s = summary.apply(metric);
      if (!s.isEmpty()) med.put(metric.key(), summaryJson(s));
    }
    t.put("summary", med);
    t.put("mergedLatency", Histograms.describe(mergedLatency(phases)));
    if (workload.stream()) {
      t.put("mergedTtft", Histograms.describe(Histograms.merge(phases.stream().map(PhaseResult::ttft).toList())));
      t.put("mergedLargestGap", Histograms.describe(Histograms.merge(phases.stream().map(PhaseResult::gaps).toList())));
    }
    t.put("errors", PhaseResult.sum(phases.stream().map(PhaseResult::errors).toList()));
    Map<String, Long> rec = PhaseResult.sum(phases.stream().map(PhaseResult::recoveries).toList());
    if (!rec.isEmpty()) t.put("recoveries", rec);
    Map<String, Long> armed = PhaseResult.sum(phases.stream().map(PhaseResult::faultsArmed).toList());
    if (!armed.isEmpty()) t.put("faultsArmed", armed);
    t.put("repetitions", phases.stream().map(PhaseResult::toJson).toList());
    return t;
  }

  static Map<String, Object> summaryJson(Stats.Summary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", Format.round(s.median()));
    m.put("min", Format.round(s.min()));
    m.put("max", Format.round(s.max()));
    m.put("n", s.n());
    return m;
  }
}
