package dev.rebound.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a run as a markdown report (for people) and a JSON document (every figure, for tools). */
public final class Report {
  private Report() {}

  /** The metrics the markdown table shows, in order (JSON has them all). */
  static final List<Metric> TABLE_METRICS = List.of(Metric.THROUGHPUT, Metric.P50, Metric.P90, Metric.P99, Metric.MAX,
      Metric.TTFT_P50, Metric.TTFT_P99, Metric.MAX_GAP, Metric.SUCCESS, Metric.COMPLETE_STREAMS, Metric.GATEWAY_CPU,
      Metric.GATEWAY_STORE_CPU, Metric.STORE_CPU, Metric.GATEWAY_RSS, Metric.OTHER_LOAD);

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  public static String markdown(RunResult run) {
    StringBuilder md = new StringBuilder();
    md.append("# Rebound bench, ").append(TIME.format(run.started())).append("\n\n");
    md.append("A = direct to mock-llm, B = through the gateway (to the same mock), run as interleaved pairs in one ")
        .append("invocation: ").append(run.options().plan()).append(". ")
        .append("A and B columns are medians over the repetitions; spread is min .. max over the repetitions; ")
        .append("B vs A is the median (min .. max) of the per-pair ratio B/A or difference B - A.\n\n");
    if (run.options().quick()) {
      md.append("**Quick mode: a smoke check.** Phases of about a second on JVMs that are still compiling; the figures ")
          .append("show that everything runs, not how fast. Judge budgets on a full run.\n\n");
    }
    md.append(environmentLine(run.environment())).append("\n\n");

    List<String[]> budgetRows = new ArrayList<>();
    for (RunResult.ScenarioOutcome s : run.scenarios()) {
      for (WorkloadResult w : s.workloads()) {
        for (Budget.Verdict v : w.verdicts()) {
          budgetRows.add(new String[] {
              w.name() + " " + budgetSubject(v.budget()),
              v.budget().text(),
              v.measured() ? Format.summary(v.value(), x -> budgetValue(v.budget(), x)) : Format.NONE,
              verdictText(v)});
        }
      }
    }
    if (!budgetRows.isEmpty()) {
      md.append("## Budgets\n\n");
      md.append("| check | target | measured | verdict |\n|---|---|---|---|\n");
      for (String[] r : budgetRows) md.append("| ").append(String.join(" | ", r)).append(" |\n");
      md.append('\n');
    }

    md.append("## Results\n\n");
    md.append("| workload | metric | A direct | B gateway | B vs A | spread A | spread B | budget | met |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---|---|\n");
    for (RunResult.ScenarioOutcome s : run.scenarios()) {
      for (WorkloadResult w : s.workloads()) {
        for (Metric m : TABLE_METRICS) {
          if (!m.appliesTo(w.workload())) continue;
          boolean gatewayOnly = m.compare() == Metric.Compare.NONE;
          boolean context = m.compare() == Metric.Compare.CONTEXT;
          Stats.Summary a = w.direct(m);
          Stats.Summary b = w.gateway(m);
          if (a.isEmpty() && b.isEmpty()) continue;
          Budget.Verdict v = w.verdictFor(m);
          md.append("| ").append(w.name())
              .append(" | ").append(m.label())
              .append(" | ").append(gatewayOnly ? Format.NONE : Format.value(m, a.median()))
              .append(" | ").append(Format.value(m, b.median()))
              .append(" | ").append(gatewayOnly || context ? Format.NONE
                  : Format.summary(w.comparison(m), x -> Format.comparison(m, x)))
              .append(" | ").append(gatewayOnly ? Format.NONE : Format.range(a, x -> Format.value(m, x)))
              .append(" | ").append(Format.range(b, x -> Format.value(m, x)))
              .append(" | ").append(v == null ? "" : v.budget().text())
              .append(" | ").append(v == null ? "" : verdictText(v))
              .append(" |\n");
        }
      }
    }
    md.append('\n');

    md.append(sideBySide(run));

    List<RunResult.ScenarioOutcome> micros = run.scenarios().stream().filter(s -> s.micro() != null).toList();
    if (!micros.isEmpty()) {
      md.append("## In-process measurements\n\n");
      md.append("| scenario | figure | median | spread | target |\n|---|---|---:|---:|---|\n");
      for (RunResult.ScenarioOutcome s : micros) {
        s.micro().summary().forEach((k, v) -> {
          java.util.function.DoubleFunction<String> f = k.endsWith("Us") ? Format::micros : x -> String.format(java.util.Locale.ROOT, "%,.0f", x);
          String target = s.micro().limits().stream().filter(l -> l.figure().equals(k))
              .map(l -> l.text() + ": " + l.verdict(v)).findFirst().orElse("");
          md.append("| ").append(s.scenario().name()).append(" | ").append(k)
              .append(" | ").append(f.apply(v.median())).append(" | ").append(Format.range(v, f)).append(" | ")
              .append(target).append(" |\n");
        });
      }
      md.append('\n');
    }

    StringBuilder notes = new StringBuilder();
    for (RunResult.ScenarioOutcome s : run.scenarios()) {
      for (WorkloadResult w : s.workloads()) {
        String line = countersLine(w);
        if (!line.isEmpty()) notes.append("- **").append(w.name()).append("**: ").append(line).append('\n');
      }
    }
    if (notes.length() > 0) {
      md.append("## Errors, recoveries and faults\n\n").append(notes)
          .append("\nError kinds: http-NNN (answered with that status), connection, timeout (60 s without a byte), ")
          .append("stream-cut (connection dropped mid-stream), stream-error-event, stream-incomplete (ended without the ")
          .append("protocol's end event), stuck (no answer 10-30 s after the phase ended; abandoned), bench-cannot-arm-fault (the mock's control API did not answer in 5 s); ")
          .append("sessions scenarios: session-header-missing / session-header-mismatch (a 200 without `x-rebound-session: <id>; turn=<n>` ")
          .append("naming the request's session and turn), session-header-unexpected (gateway-sessions-off: a 200 to a ")
          .append("request without a session id that carries `x-rebound-session`, i.e. was bound to a session after all), ")
          .append("session-no-assistant-message (a 200 with no assistant message to continue from), ")
          .append("session-fork / session-unrecorded (the gateway's own decisions over the phase, from its /metrics: a request that did not ")
          .append("continue its stored history, a turn the store did not take).\n\n");
    }

    md.append("## Workloads\n\n");
    for (RunResult.ScenarioOutcome s : run.scenarios()) {
      if (s.skipped() != null) continue;
      md.append("- **").append(s.scenario().name()).append("**: ").append(s.scenario().description()).append('\n');
      if (s.gateway() != null) md.append("  - B: ").append(s.gateway()).append('\n');
      if (s.micro() != null) md.append("  - ").append(s.micro().description()).append('\n');
      for (WorkloadResult w : s.workloads()) {
        md.append("  - ").append(w.name()).append(": ").append(w.workload().describe()).append('\n');
      }
    }
    List<RunResult.ScenarioOutcome> skipped = run.scenarios().stream().filter(s -> s.skipped() != null).toList();
    if (!skipped.isEmpty()) {
      md.append("\n## Not run\n\n");
      for (RunResult.ScenarioOutcome s : skipped) {
        md.append("- **").append(s.scenario().name()).append("** (").append(s.scenario().description()).append("): ")
            .append(s.skipped()).append('\n');
      }
    }
    return md.toString();
  }

  /**
   * A figure of the side-by-side table: each side's median (min .. max) over the repetitions, per-pair comparisons
   * where the label says so.
   */
  private record SideFigure(String label, java.util.function.Predicate<WorkloadResult> shown,
                            java.util.function.Function<WorkloadResult.Side, String> cell) {}

  private static final java.util.function.Predicate<WorkloadResult> ALWAYS = w -> true;

  private static final List<SideFigure> SIDE_FIGURES = List.of(
      new SideFigure("throughput vs direct", ALWAYS,
          x -> Format.summary(x.vsDirect(Metric.THROUGHPUT), Format::ratio)),
      new SideFigure("gateway throughput / this side's", ALWAYS,
          x -> x.name().equals(Runner.GATEWAY) ? "1x" : Format.summary(x.gatewayThroughputOverSide(), Format::ratio)),
      new SideFigure("latency p50 added", ALWAYS,
          x -> Format.summary(x.vsDirect(Metric.P50), d -> Format.added(Metric.P50, d))),
      new SideFigure("latency p99 added", ALWAYS,
          x -> Format.summary(x.vsDirect(Metric.P99), d -> Format.added(Metric.P99, d))),
      new SideFigure("TTFT p50 added", w -> w.workload().stream(),
          x -> Format.summary(x.vsDirect(Metric.TTFT_P50), d -> Format.added(Metric.TTFT_P50, d))),
      new SideFigure("CPU per request", ALWAYS,
          x -> Format.summary(x.summary(Metric.GATEWAY_CPU), Format::micros)),
      new SideFigure("CPU per request vs gateway", ALWAYS,
          x -> x.name().equals(Runner.GATEWAY) ? "1x" : Format.summary(x.cpuVsGateway(), Format::ratio)),
      // sessions-embedded: the store's own threads, part of the gateway's CPU above
      new SideFigure("of which the embedded store", w -> !w.gateway(Metric.GATEWAY_STORE_CPU).isEmpty(),
          x -> Format.summary(x.summary(Metric.GATEWAY_STORE_CPU), Format::micros)),
      // sessions-redis with the bench's own redis-server: what the store costs on each side
      new SideFigure("Redis CPU per request", w -> !w.gateway(Metric.STORE_CPU).isEmpty(),
          x -> Format.summary(x.summary(Metric.STORE_CPU), Format::micros)),
      new SideFigure("peak RSS", ALWAYS,
          x -> Format.megabytes(x.summary(Metric.GATEWAY_RSS).max())),
      new SideFigure("CPU used by other processes", ALWAYS,
          x -> Format.summary(x.summary(Metric.OTHER_LOAD), Format::share)));

  /**
   * One table per scenario measured on more than one B side (the gateway and its peers, pass-through and translated,
   * or sessions on and off): the comparison, every figure from the same interleaved repetitions. Empty when
   * there is none.
   */
  static String sideBySide(RunResult run) {
    StringBuilder md = new StringBuilder();
    for (RunResult.ScenarioOutcome s : run.scenarios()) {
      if (s.workloads().isEmpty() || s.workloads().get(0).sides().size() < 2) continue;
      List<String> names = s.workloads().get(0).sides().stream().map(WorkloadResult.Side::name).toList();
      if (md.length() == 0) {
        md.append("## Side by side\n\n")
            .append("Each B side measured right after the same A repetition, in this order. Comparisons with direct and ")
            .append("with the gateway are per repetition pair, median (min .. max): \"gateway throughput / this side's\" is ")
            .append("the gateway's throughput over the side's (for gateway-sessions-off: sessions on over sessions off; ")
            .append("for baseline, on a sessions scenario: this build's sessions on over the baseline build's; for ")
            .append("baseline-sessions-off: the baseline build's sessions on over its sessions off, and its CPU against ")
            .append("that side's), ")
            .append("\"CPU per request vs gateway\" the side's CPU per request over the gateway's; CPU per request is the ")
            .append("CPU time of the process behind the side (for nginx its master and worker; gateway-sessions-off is the ")
            .append("sessions scenario's own gateway, the same process as its gateway side) over the phase, per request or ")
            .append("stream; peak RSS is the process's (nginx: master + worker) largest over the run so far.\n\n");
      }
      md.append("| ").append(s.scenario().name()).append(" | figure | ").append(String.join(" | ", names)).append(" |\n")
          .append("|---|---|").append("---:|".repeat(names.size())).append('\n');
      for (WorkloadResult w : s.workloads()) {
        for (SideFigure f : SIDE_FIGURES) {
          if (!f.shown().test(w)) continue;
          md.append("| ").append(w.name()).append(" | ")
              .append(w.workload().stream() ? f.label().replace("per request", "per stream") : f.label());
          for (WorkloadResult.Side side : w.sides()) md.append(" | ").append(f.cell().apply(side));
          md.append(" |\n");
        }
      }
      md.append('\n');
    }
    return md.toString();
  }

  static String verdictText(Budget.Verdict v) {
    if (!v.measured()) return "not measured";
    String s = v.met() ? "met" : "**MISSED**";
    if (!v.met()) {
      s += " by " + budgetValue(v.budget(), v.budget().shortfall(v.value())).replace("+", "");
    }
    if (v.straddles()) s += " (spread crosses target)";
    return s;
  }

  private static String budgetSubject(Budget b) {
    Metric m = b.metric();
    if (b.basis() == Budget.Basis.GATEWAY) return m.label();
    return m.label() + (m.compare() == Metric.Compare.RATIO ? " B/A" : " added");
  }

  private static String budgetValue(Budget b, double x) {
    if (b.basis() == Budget.Basis.GATEWAY) return Format.value(b.metric(), x);
    return Format.comparison(b.metric(), x);
  }

  /** Errors by kind per target, the gateway's recoveries and the faults armed, as one line; empty when none. */
  static String countersLine(WorkloadResult w) {
    List<String> parts = new ArrayList<>();
    Map<String, Long> ea = PhaseResult.sum(w.direct().stream().map(PhaseResult::errors).toList());
    Map<String, Long> eb = PhaseResult.sum(w.gateway().stream().map(PhaseResult::errors).toList());
    long ra = w.direct().stream().mapToLong(PhaseResult::requests).sum();
    long rb = w.gateway().stream().mapToLong(PhaseResult::requests).sum();
    if (!ea.isEmpty()) parts.add("A errors " + counts(ea) + " of " + ra + " requests");
    if (!eb.isEmpty()) parts.add("B errors " + counts(eb) + " of " + rb + " requests");
    for (WorkloadResult.Side side : w.sides().subList(1, w.sides().size())) {
      Map<String, Long> e = PhaseResult.sum(side.phases().stream().map(PhaseResult::errors).toList());
      long r = side.phases().stream().mapToLong(PhaseResult::requests).sum();
      if (!e.isEmpty()) parts.add(side.name() + " errors " + counts(e) + " of " + r + " requests");
    }
    Map<String, Long> rec = PhaseResult.sum(w.gateway().stream().map(PhaseResult::recoveries).toList());
    if (!rec.isEmpty()) parts.add("gateway recoveries (x-rebound-recovery) " + counts(rec));
    Map<String, Long> armed = PhaseResult.sum(w.gateway().stream().map(PhaseResult::faultsArmed).toList());
    if (!armed.isEmpty()) parts.add("faults armed on the mock " + counts(armed));
    Map<String, Long> sessions = PhaseResult.sum(w.gateway().stream().map(PhaseResult::sessionEvents).toList());
    if (!sessions.isEmpty()) {
      long ok = w.gateway().stream().mapToLong(PhaseResult::ok).sum();
      parts.add("gateway decisions over the B phases (its /metrics) " + counts(sessions) + " for " + ok
          + " successful requests (every turn checkpointed: 1 checkpoint event per request when the user turn is stored "
          + "with its answer, 2 when it is stored on its own first)");
    }
    for (WorkloadResult.Side side : w.sides().subList(1, w.sides().size())) {
      Map<String, Long> events = PhaseResult.sum(side.phases().stream().map(PhaseResult::sessionEvents).toList());
      if (events.isEmpty()) continue;
      long ok = side.phases().stream().mapToLong(PhaseResult::ok).sum();
      parts.add("gateway decisions over the " + side.name() + " phases " + counts(events) + " for " + ok
          + " successful requests" + (side.name().endsWith("-sessions-off")
          ? " (no session id: no checkpoint expected)" : ""));
    }
    return String.join("; ", parts);
  }

  private static String counts(Map<String, Long> m) {
    List<String> p = new ArrayList<>();
    m.forEach((k, v) -> p.add(k + " x" + v));
    return String.join(", ", p);
  }

  private static String environmentLine(Map<String, Object> env) {
    List<String> p = new ArrayList<>();
    env.forEach((k, v) -> {
      if (v != null && !(v instanceof Map)) p.add(k + ": " + v);
    });
    return "Environment: " + String.join(" · ", p);
  }

  public static String json(RunResult run) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("started", run.started().toString());
    root.put("finished", run.finished().toString());
    Map<String, Object> opts = new LinkedHashMap<>();
    BenchOptions o = run.options();
    opts.put("scenarios", o.scenarios().isEmpty() ? List.of("all") : o.scenarios());
    opts.put("quick", o.quick());
    opts.put("durationMs", o.duration().toMillis());
    opts.put("requestsPerRepetition", o.requests() > 0 ? o.requests() : null);
    opts.put("warmupMs", o.warmup().toMillis());
    opts.put("processWarmupMs", o.processWarmup().toMillis());
    opts.put("repetitions", o.repetitions());
    opts.put("concurrencyOverrides", o.concurrency());
    opts.put("gatewayJavaOpts", o.gatewayJavaOpts());
    opts.put("plan", o.plan());
    root.put("options", opts);
    root.put("environment", run.environment());
    Map<String, String> method = new LinkedHashMap<>();
    method.put("A", "direct to mock-llm");
    method.put("B", "through the gateway to the same mock-llm; otherSides: further B sides measured after the same A "
        + "(--peers proxies on the plain-proxying scenarios, the gateway translating in the translated scenario, the "
        + "sessions scenarios' gateway with sessions off: the same bodies without a session id), their "
        + "'gateway' CPU and RSS figures being those of the process behind the side; gatewayThroughputOverSideRatio: the "
        + "gateway's throughput over the side's per repetition (sessions on over sessions off)");
    method.put("order", "per workload: warm-up A then each B side, then repetitions A B [sides...] A B ...");
    method.put("summary", "median, min and max over repetitions");
    method.put("comparison", "per repetition pair: ratio B/A (throughput) or difference B - A (latencies, shares), then median, min, max");
    method.put("latency", "microseconds from sending the request to the end of the answer; successful requests only");
    method.put("cpu", "utime+stime of the process from /proc over the phase, divided by the requests finished in it");
    method.put("otherLoad", "the machine's busy CPU time (/proc/stat) minus the gateway, mock and bench, as a share of all cores");
    root.put("method", method);
    List<Object> scenarios = new ArrayList<>();
    for (RunResult.ScenarioOutcome s : run.scenarios()) {
      Map<String, Object> sj = new LinkedHashMap<>();
      sj.put("name", s.scenario().name());
      sj.put("description", s.scenario().description());
      sj.put("available", s.scenario().available());
      if (s.gateway() != null) sj.put("gateway", s.gateway());
      if (s.skipped() != null) {
        sj.put("skipped", s.skipped());
        if (s.failed()) sj.put("failed", true);
      } else if (s.micro() != null) {
        Map<String, Object> mj = new LinkedHashMap<>();
        mj.put("description", s.micro().description());
        Map<String, Object> sum = new LinkedHashMap<>();
        s.micro().summary().forEach((k, v) -> sum.put(k, WorkloadResult.summaryJson(v)));
        mj.put("summary", sum);
        Map<String, Stats.Summary> summary = s.micro().summary();
        mj.put("targets", s.micro().limits().stream().map(l -> Map.of("figure", l.figure(), "op", "<=", "threshold",
            l.atMost(), "verdict", l.verdict(summary.get(l.figure())))).toList());
        mj.put("repetitions", s.micro().repetitions());
        sj.put("inProcess", mj);
      } else {
        sj.put("workloads", s.workloads().stream().map(WorkloadResult::toJson).toList());
      }
      scenarios.add(sj);
    }
    root.put("scenarios", scenarios);
    List<Object> budgets = new ArrayList<>();
    for (RunResult.ScenarioOutcome s : run.scenarios()) {
      for (WorkloadResult w : s.workloads()) {
        for (Budget.Verdict v : w.verdicts()) {
          Map<String, Object> b = new LinkedHashMap<>();
          b.put("workload", w.name());
          b.put("check", budgetSubject(v.budget()));
          b.put("target", v.budget().text());
          b.put("measured", v.measured());
          if (v.measured()) {
            b.put("median", Format.round(v.value().median()));
            b.put("min", Format.round(v.value().min()));
            b.put("max", Format.round(v.value().max()));
            b.put("met", v.met());
            b.put("spreadCrossesTarget", v.straddles());
          }
          budgets.add(b);
        }
      }
    }
    root.put("budgets", budgets);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
