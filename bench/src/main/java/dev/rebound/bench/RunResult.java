package dev.rebound.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A whole bench run: what was asked, where it ran, and each scenario's outcome. */
public record RunResult(Instant started, Instant finished, BenchOptions options, Map<String, Object> environment,
                        List<ScenarioOutcome> scenarios) {

  /**
   * A scenario that ran (workloads, or a micro benchmark's result) or was not run ({@code skipped}: why). An
   * available scenario that could not run {@link #failed()}: something it needs was missing (e.g. Redis); one left out
   * on purpose (not available yet, or not measured with {@code --reference-proxy}) did not fail.
   *
   * @param gateway what B went through when it was not the shared gateway (a sessions scenario's own, and its store)
   */
  public record ScenarioOutcome(Scenario scenario, List<WorkloadResult> workloads, String skipped, MicroBench.Result micro,
                                String gateway) {
    public ScenarioOutcome(Scenario scenario, List<WorkloadResult> workloads, String skipped, MicroBench.Result micro) {
      this(scenario, workloads, skipped, micro, null);
    }

    public ScenarioOutcome(Scenario scenario, List<WorkloadResult> workloads, String skipped) {
      this(scenario, workloads, skipped, null);
    }

    static final String COULD_NOT_RUN = "could not run: ";

    public static ScenarioOutcome skipped(Scenario s, String why) {
      return new ScenarioOutcome(s, List.of(), why);
    }

    /** An available scenario that could not run; {@code why} says what to install or fix. */
    public static ScenarioOutcome failed(Scenario s, String why) {
      return new ScenarioOutcome(s, List.of(), COULD_NOT_RUN + why);
    }

    public static ScenarioOutcome micro(Scenario s, MicroBench.Result r) {
      return new ScenarioOutcome(s, List.of(), null, r);
    }

    public boolean failed() {
      return skipped != null && skipped.startsWith(COULD_NOT_RUN);
    }
  }

  public List<ScenarioOutcome> failed() {
    return scenarios.stream().filter(ScenarioOutcome::failed).toList();
  }

  public List<Budget.Verdict> verdicts() {
    return scenarios.stream().flatMap(s -> s.workloads().stream()).flatMap(w -> w.verdicts().stream()).toList();
  }

  public boolean anyBudgetMissed() {
    return verdicts().stream().anyMatch(v -> v.measured() && !v.met())
        || scenarios().stream().anyMatch(s -> s.micro() != null && s.micro().anyLimitMissed());
  }
}
