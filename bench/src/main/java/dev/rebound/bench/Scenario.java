package dev.rebound.bench;

import java.util.List;

/**
 * A named benchmark: workloads run as interleaved A (direct to mock-llm) / B (through the gateway) pairs, and the
 * budgets checked on them; or, with {@code micro}, a measurement inside the bench JVM. {@code missingFeature}
 * non-null means the gateway cannot run it yet. {@code store} non-null: B goes through a gateway process of its own
 * whose session store is that one (the {@code sessions-*} scenarios); null: through the shared gateway.
 */
public record Scenario(String name, String description, List<Workload> workloads, List<Budget> budgets,
                       String missingFeature, MicroBench micro, SessionStore store) {
  public Scenario(String name, String description, List<Workload> workloads, List<Budget> budgets, String missingFeature) {
    this(name, description, workloads, budgets, missingFeature, null, null);
  }

  public Scenario(String name, String description, List<Workload> workloads, List<Budget> budgets,
                  String missingFeature, MicroBench micro) {
    this(name, description, workloads, budgets, missingFeature, micro, null);
  }

  /** Whether it needs the mock-llm and gateway processes. */
  public boolean needsProcesses() {
    return available() && !workloads.isEmpty();
  }

  public boolean available() {
    return missingFeature == null;
  }

  /** What the report and the console say about a scenario that is not run. */
  public String unavailableReason() {
    return "not available yet: needs " + missingFeature;
  }

  public Scenario withWorkloads(List<Workload> w) {
    return new Scenario(name, description, w, budgets, missingFeature, micro, store);
  }
}
