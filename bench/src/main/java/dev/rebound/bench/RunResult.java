package dev.rebound.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A whole bench run: what was asked, where it ran, and each scenario's outcome. */
public record RunResult(Instant started, Instant finished, BenchOptions options, Map<String, Object> environment,
                        List<ScenarioOutcome> scenarios) {

  /** A scenario that ran (workloads, or a micro benchmark's result) or was skipped (why). */
  public record ScenarioOutcome(Scenario scenario, List<WorkloadResult> workloads, String skipped, MicroBench.Result micro) {
    public ScenarioOutcome(Scenario scenario, List<WorkloadResult> workloads, String skipped) {
      this(scenario, workloads, skipped, null);
    }

    public static ScenarioOutcome skipped(Scenario s, String why) {
      return new ScenarioOutcome(s, List.of(), why);
    }

    public static ScenarioOutcome micro(Scenario s, MicroBench.Result r) {
      return new ScenarioOutcome(s, List.of(), null, r);
    }
  }

  public List<Budget.Verdict> verdicts() {
    return scenarios.stream().flatMap(s -> s.workloads().stream()).flatMap(w -> w.verdicts().stream()).toList();
  }

  public boolean anyBudgetMissed() {
    return verdicts().stream().anyMatch(v -> v.measured() && !v.met());
  }
}
