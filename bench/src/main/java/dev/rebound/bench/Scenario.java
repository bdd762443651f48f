package dev.rebound.bench;

import java.util.List;

/**
 * A named benchmark: workloads run as interleaved A (direct to mock-llm) / B pairs, and the budgets checked on them;
 * or, with {@code micro}, a measurement inside the bench JVM. {@code missingFeature} non-null means the gateway cannot
 * run it yet. {@code store} non-null: B goes through a gateway process of its own whose session store is that one
 * (the {@code sessions-*} scenarios); null: through the shared gateway. {@code sides}: what B is, one side or several,
 * each measured right after the same A repetition.
 */
public record Scenario(String name, String description, List<Workload> workloads, List<Budget> budgets,
                       String missingFeature, MicroBench micro, SessionStore store, Sides sides) {

  /**
   * The B sides of a scenario's workloads. Each repetition runs A, then every side in this order, so each side's
   * ratio to A and the sides' ratios to each other come from the same minutes of the same run. The first side is
   * always the gateway serving the workload as it is; the budgets are checked on it.
   */
  public enum Sides {
    /** The gateway alone: what it does beyond proxying (sessions, faults, context cuts) has no peer. */
    GATEWAY,
    /** Plain proxying: the gateway, then every {@code --peers} proxy (none asked: the gateway alone). */
    GATEWAY_AND_PEERS,
    /**
     * The gateway twice: the workload as it is, served by an agent of the client's protocol (pass-through), then the
     * same requests naming {@link Protocol#crossModel()}, served by an agent of the other protocol (translated).
     */
    PASS_THROUGH_AND_TRANSLATED,
    /**
     * A sessions scenario's own gateway twice: the session requests under {@code /s/<session id>/} (bound to their
     * session, every turn checkpointed), then the same bodies, turn by turn, to the plain {@code /v1/...} paths with
     * no session id (not bound: the store is not used). Same process, same config, so the two sides' CPU per request
     * and throughput compare sessions on with sessions off. Only with a {@code store}.
     */
    SESSIONS_ON_AND_OFF
  }

  public Scenario {
    if (sides == Sides.SESSIONS_ON_AND_OFF && store == null) {
      throw new IllegalArgumentException(name + ": sessions on and off needs a gateway with a session store");
    }
  }

  public Scenario(String name, String description, List<Workload> workloads, List<Budget> budgets, String missingFeature) {
    this(name, description, workloads, budgets, missingFeature, null, null, Sides.GATEWAY);
  }

  public Scenario(String name, String description, List<Workload> workloads, List<Budget> budgets,
                  String missingFeature, MicroBench micro) {
    this(name, description, workloads, budgets, missingFeature, micro, null, Sides.GATEWAY);
  }

  public Scenario(String name, String description, List<Workload> workloads, List<Budget> budgets,
                  String missingFeature, MicroBench micro, SessionStore store) {
    this(name, description, workloads, budgets, missingFeature, micro, store, Sides.GATEWAY);
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
    return new Scenario(name, description, w, budgets, missingFeature, micro, store, sides);
  }
}
