package dev.rebound.bench;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Runs the selected scenarios against a started topology: per workload, a warm-up of A then B, then the
 * repetitions interleaved A B A B ..., so drift on a noisy machine hits both targets alike.
 */
public final class Runner implements AutoCloseable {
  public static final String DIRECT = "direct";
  public static final String GATEWAY = "gateway";
  /** The gateway's side whose requests name {@link Protocol#crossModel()}: served translated. */
  public static final String GATEWAY_TRANSLATED = "gateway-translated";
  /**
   * A sessions scenario's gateway (the same process as its {@link #GATEWAY} side) sent the same bodies without a
   * session id, to the plain {@code /v1/...} paths: not bound to a session, nothing checkpointed.
   */
  public static final String GATEWAY_SESSIONS_OFF = "gateway-sessions-off";
  /** The same for the {@code --baseline-jar} build's own sessions gateway (its sessions-on side is {@code baseline}). */
  public static final String BASELINE_SESSIONS_OFF = "baseline-sessions-off";
  /** Length of one extra warm-up round while the JIT is busy, and the most extra warm-up a process gets. */
  static final Duration JIT_ROUND = Duration.ofSeconds(8);
  static final Duration JIT_EXTRA_MAX = Duration.ofSeconds(90);
  /** Compiler threads below this share of one core count as quiet (steady state measures well under 1 %). */
  static final double JIT_QUIET_SHARE = 0.05;

  private final BenchOptions options;
  private final Topology topology;
  private final PrintStream log;
  private final Vertx vertx;
  private final List<Context> contexts;
  /** The tenant the sessions scenarios store under: unique per run, so a shared Redis keeps runs apart. */
  private final String sessionTenant = "bench-" + Long.toString(System.currentTimeMillis(), 36);

  /**
   * One B side: where its requests go (the shared gateway, a sessions scenario's own with {@code sessions} non-null,
   * or a peer), whether they name the other protocol's model ({@code translated}), with the probe and liveness check
   * that go with it. Session requests are bound to their session (under {@code /s/<id>/}) on the side named
   * {@link #GATEWAY} only; see {@link LoadGenerator}.
   */
  private record Side(String name, int port, boolean translated, Resources.Probe probe, Runnable checkAlive,
                      SessionGateway sessions) {
    LoadGenerator generator(Vertx vertx, List<Context> contexts, Workload w, FaultMix faults, int mockPort) {
      return new LoadGenerator(vertx, contexts, name, Topology.HOST, port, w, faults, Topology.HOST, mockPort,
          translated ? w.protocol().crossModel() : null);
    }
  }

  public Runner(BenchOptions options, Topology topology, PrintStream log) {
    this.options = options;
    this.topology = topology;
    this.log = log;
    int loops = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(1)
        .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    this.contexts = eventLoopContexts(vertx, loops);
  }

  /** One context per event loop, captured by deploying a trivial deployable on each. */
  static List<Context> eventLoopContexts(Vertx vertx, int n) {
    List<Context> out = new CopyOnWriteArrayList<>();
    try {
      vertx.deployVerticle(() -> new Deployable() {
        @Override
        public Future<?> deploy(Context context) {
          out.add(context);
          return Future.succeededFuture();
        }

        @Override
        public Future<?> undeploy(Context context) {
          return Future.succeededFuture();
        }
      }, new DeploymentOptions().setInstances(n)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the load generator's event loops", e);
    }
    return List.copyOf(out);
  }

  /**
   * Fresh JVMs need tens of seconds of load before the JIT settles (the gateway's CPU per request falls several-fold
   * over its first 20-30 s), longer than a per-workload warm-up. So before the first scenario, the processes get a
   * mix of every protocol and mode (and large prompts when a selected scenario sends them), A and each proxy
   * alternately (and the gateway translating too when the {@code translated} scenario is selected, so its translated
   * side is not measured on colder code than its pass-through one); none of it is reported. When no selected scenario
   * goes through the shared gateway (only sessions scenarios, which warm up their own), only the mock is warmed.
   */
  public void warmUpProcesses(Duration total, List<Scenario> scenarios) {
    if (total.isZero()) return;
    boolean sharedGateway = usesSharedGateway(scenarios);
    boolean translated = scenarios.stream()
        .anyMatch(s -> s.needsProcesses() && s.sides() == Scenario.Sides.PASS_THROUGH_AND_TRANSLATED);
    List<Workload> mix = warmUpMix(scenarios);
    // A and each side get what A and the gateway got alone: peers lengthen the warm-up rather than shorten the gateway's
    List<Side> sides = sharedGateway ? proxySides() : new ArrayList<>();
    if (sharedGateway && translated) sides.add(translatedSide());
    Duration each = total.dividedBy(mix.size() * (sharedGateway ? 2L : 1L));
    log.println("== process warm-up: " + DurationFormat.format(each.multipliedBy(mix.size() * (1L + sides.size())))
        + " of mixed load on " + (sharedGateway ? "mock-llm, " + String.join(", ", sides.stream().map(Side::name).toList())
        : "mock-llm") + " (not reported)");
    warmUpRound(mix, each, sides);
    List<Long> pids = new ArrayList<>(List.of(topology.mockPid()));
    if (sharedGateway) {
      pids.add(topology.gateway().pid());
      for (Topology.Server p : topology.peers()) pids.add(p.pid());
    }
    warmUntilJitQuiet(pids, () -> warmUpRound(mix, JIT_ROUND.dividedBy(mix.size() * (sharedGateway ? 2L : 1L)), sides));
  }

  /**
   * Every protocol, stream and not; and large prompts when a selected scenario of the shared gateway sends them: they
   * take code paths (cutting to the window, counting long texts) small ones never reach, and left to the scenario's own
   * short warm-up their compiling was a third of the first repetition's CPU.
   */
  static List<Workload> warmUpMix(List<Scenario> scenarios) {
    List<Workload> mix = new ArrayList<>();
    for (Protocol p : Protocol.values()) {
      mix.add(new Workload("warm-" + p.id(), p, false, 8, Scenarios.SMALL_WORDS, 0, null));
      mix.add(new Workload("warm-" + p.id() + "-stream", p, true, 8, Scenarios.STREAM_WORDS, 0, null));
    }
    scenarios.stream().filter(s -> s.needsProcesses() && s.store() == null)
        .flatMap(s -> s.workloads().stream()).filter(w -> w.contextTokens() > 0).findFirst()
        .ifPresent(w -> mix.add(new Workload("warm-large-context", w.protocol(), w.stream(), w.concurrency(),
            w.replyWords(), 0, null, 0, w.contextTokens())));
    return mix;
  }

  private void warmUpRound(List<Workload> mix, Duration each, List<Side> sides) {
    for (Workload w : mix) {
      topology.checkAlive();
      try (LoadGenerator a = new LoadGenerator(vertx, contexts, DIRECT, Topology.HOST, topology.mockPort(), w, null,
          Topology.HOST, topology.mockPort())) {
        a.run("process warm-up", each, 0, Resources.Probe.NONE);
      }
      for (Side side : sides) {
        try (LoadGenerator b = side.generator(vertx, contexts, w, null, topology.mockPort())) {
          b.run("process warm-up", each, 0, Resources.Probe.NONE);
        }
      }
    }
  }

  /**
   * A fixed warm-up is not enough for a JVM with as much code as the gateway on 2 shared cores: its JIT compiler
   * threads can still be busy a minute in, and what they use would be counted as the gateway's cost per request. So
   * after the fixed warm-up, more rounds run while any of {@code pids} spends over {@link #JIT_QUIET_SHARE} of a core
   * compiling, up to {@link #JIT_EXTRA_MAX}. Skipped in quick mode and without a process warm-up.
   */
  private void warmUntilJitQuiet(List<Long> pids, Runnable round) {
    if (options.quick() || options.processWarmup().isZero()) return;
    long deadline = System.nanoTime() + JIT_EXTRA_MAX.toNanos();
    while (true) {
      long[] before = compilerNanos(pids);
      long start = System.nanoTime();
      round.run();
      double share = JitActivity.busiestShare(before, compilerNanos(pids), System.nanoTime() - start);
      if (Double.isNaN(share)) return; // no /proc: nothing to go by
      String pct = String.format(java.util.Locale.ROOT, "%.0f %%", share * 100);
      if (share <= JIT_QUIET_SHARE) {
        log.println("   JIT quiet (compiler threads at " + pct + " of a core in the last " + DurationFormat.format(JIT_ROUND) + ")");
        return;
      }
      if (System.nanoTime() > deadline) {
        log.println("   JIT still compiling after " + DurationFormat.format(JIT_EXTRA_MAX) + " more (" + pct
            + " of a core); measuring anyway");
        return;
      }
      log.println("   JIT still compiling (" + pct + " of a core): " + DurationFormat.format(JIT_ROUND) + " more warm-up");
    }
  }

  private static long[] compilerNanos(List<Long> pids) {
    long[] out = new long[pids.size()];
    for (int i = 0; i < out.length; i++) out[i] = ProcStats.compilerCpuNanos(pids.get(i));
    return out;
  }

  /** The shared gateway's side, then each peer's: the B sides of the plain-proxying scenarios. */
  private List<Side> proxySides() {
    List<Side> out = new ArrayList<>(); // mutable: the process warm-up may add the translated side
    out.add(serverSide(topology.gateway()));
    for (Topology.Server p : topology.peers()) out.add(serverSide(p));
    return out;
  }

  private Side serverSide(Topology.Server server) {
    return new Side(server.name(), server.port(), false, topology.probe(server, -1), topology::checkAlive, null);
  }

  /** The shared gateway with requests naming the other protocol's model. */
  private Side translatedSide() {
    Side gateway = serverSide(topology.gateway());
    return new Side(GATEWAY_TRANSLATED, gateway.port(), true, gateway.probe(), gateway.checkAlive(), null);
  }

  /** The B sides of a scenario through the shared gateway, in the order each repetition runs them. */
  private List<Side> sides(Scenario s) {
    return switch (s.sides()) {
      case GATEWAY -> List.of(serverSide(topology.gateway()));
      case GATEWAY_AND_PEERS -> proxySides();
      case PASS_THROUGH_AND_TRANSLATED -> List.of(serverSide(topology.gateway()), translatedSide());
      // a scenario with a store runs on its own gateway (runWithSessionGateway), never through the shared one
      case SESSIONS_ON_AND_OFF ->
          throw new IllegalStateException(s.name() + ": sessions on and off need the scenario's own gateway");
    };
  }

  /** What the report says B is when it is more than the shared gateway; null when it is just that. */
  private String describeSides(Scenario s, List<Side> sides) {
    if (s.sides() == Scenario.Sides.PASS_THROUGH_AND_TRANSLATED) {
      return "the gateway (pid " + topology.gateway().pid() + ") twice per repetition: " + GATEWAY + " = requests for "
          + "an agent of the client's protocol (pass-through), " + GATEWAY_TRANSLATED + " = the same requests naming "
          + Protocol.ANTHROPIC.crossModel() + " / " + Protocol.OPENAI.crossModel() + ", routed to an agent of the other "
          + "protocol (translated)";
    }
    if (sides.size() == 1) {
      return options.peers().isEmpty() ? null : "the gateway alone, without --peers: this scenario measures what the "
          + "gateway does beyond proxying";
    }
    List<String> parts = new ArrayList<>(List.of(GATEWAY + " (pid " + topology.gateway().pid() + ")"));
    for (Topology.Server p : topology.peers()) {
      parts.add(p.name() + " (" + Peer.parse(p.name()).description() + "; pid " + p.pid() + ", port " + p.port() + ")");
    }
    return "each repetition A, then " + String.join(", then ", parts);
  }

  /** Whether any of these scenarios sends B through the shared gateway. */
  public static boolean usesSharedGateway(List<Scenario> scenarios) {
    return scenarios.stream().anyMatch(s -> s.needsProcesses() && s.store() == null);
  }

  public List<RunResult.ScenarioOutcome> run(List<Scenario> scenarios) {
    List<RunResult.ScenarioOutcome> out = new ArrayList<>();
    for (Scenario s : scenarios) {
      if (!s.available()) {
        out.add(RunResult.ScenarioOutcome.skipped(s, s.unavailableReason()));
        continue;
      }
      if (s.micro() != null) {
        out.add(runMicro(s, options, log));
        continue;
      }
      if (s.store() != null) {
        out.add(runWithSessionGateway(s));
        continue;
      }
      log.println("== " + s.name() + ": " + s.description());
      List<Side> sides = sides(s);
      List<WorkloadResult> results = new ArrayList<>();
      for (Workload w : s.workloads()) results.add(runWorkload(s, w, sides));
      out.add(new RunResult.ScenarioOutcome(s, results, null, null, describeSides(s, sides)));
    }
    return out;
  }

  /**
   * A sessions scenario: its own gateway with its store, warmed up like the shared one (with the scenario's own
   * load, at 8 connections), then measured, then stopped with its store. When the store cannot be had (no Redis),
   * the scenario fails with why and the run goes on.
   */
  private RunResult.ScenarioOutcome runWithSessionGateway(Scenario s) {
    log.println("== " + s.name() + ": " + s.description());
    Path baselineJar = options.baselineJar();
    SessionGateway baseline = null;
    try (SessionGateway g = SessionGateway.start(topology, s.store(), "gateway-" + s.name(), sessionTenant,
        System.getenv())) {
      log.println("   " + g.describe());
      List<Side> sides = new ArrayList<>(sessionSides(s, g, GATEWAY, GATEWAY_SESSIONS_OFF));
      if (baselineJar != null) {
        // the build before, with a store of its own, under the same load in the same repetitions
        baseline = SessionGateway.start(topology, s.store(), Peer.BASELINE.id() + "-" + s.name(),
            sessionTenant + "-" + Peer.BASELINE.id(), System.getenv(), baselineJar);
        log.println("   " + Peer.BASELINE.id() + ": " + baseline.describe());
        sides.addAll(sessionSides(s, baseline, Peer.BASELINE.id(), BASELINE_SESSIONS_OFF));
      }
      warmUpSessionGateway(s, sides);
      List<WorkloadResult> results = new ArrayList<>();
      for (Workload w : s.workloads()) results.add(runWorkload(s, w, sides));
      return new RunResult.ScenarioOutcome(s, results, null, null, describeSessionSides(g, baseline, sides));
    } catch (java.io.IOException | RuntimeException e) {
      log.println("bench: " + s.name() + " could not run: " + e.getMessage());
      return RunResult.ScenarioOutcome.failed(s, e.getMessage());
    } finally {
      if (baseline != null) baseline.close();
    }
  }

  /**
   * A sessions gateway's sides: sessions on ({@code on}: requests bound under /s/<id>/), then, when the scenario
   * compares, sessions off ({@code off}: the same process and probe, the same bodies to the plain paths).
   */
  private List<Side> sessionSides(Scenario s, SessionGateway g, String on, String off) {
    Runnable alive = () -> {
      topology.checkMockAlive();
      g.checkAlive();
    };
    List<Side> sides = new ArrayList<>(List.of(new Side(on, g.port(), false, g.probe(), alive, g)));
    if (s.sides() == Scenario.Sides.SESSIONS_ON_AND_OFF) sides.add(new Side(off, g.port(), false, g.probe(), alive, g));
    return sides;
  }

  /** What the report says B is for a sessions scenario: its gateway(s), and how each side sends to it. */
  private static String describeSessionSides(SessionGateway g, SessionGateway baseline, List<Side> sides) {
    String stores = g.describe() + (baseline == null ? "" : "; " + Peer.BASELINE.id() + " (the --baseline-jar build): "
        + baseline.describe());
    if (sides.size() == 1) return stores;
    String each = "each repetition A, then " + GATEWAY + " (sessions on: under /s/<session id>/, every turn bound and "
        + "checkpointed)" + (sides.stream().anyMatch(x -> x.name().equals(GATEWAY_SESSIONS_OFF)) ? ", then "
        + GATEWAY_SESSIONS_OFF + " (sessions off: the same process, the same bodies turn by turn to the plain /v1/... "
        + "paths without a session id, so nothing is bound or stored)" : "");
    if (baseline != null) {
      each += ", then " + Peer.BASELINE.id() + " and " + BASELINE_SESSIONS_OFF + ", the same on the baseline build";
    }
    return stores + "; " + each;
  }

  /**
   * A fresh gateway JVM gets the same JIT warm-up as the shared one got, with the scenario's own requests; each
   * further side (sessions off) as much again, as peers lengthen the shared gateway's warm-up rather than shorten it.
   */
  private void warmUpSessionGateway(Scenario s, List<Side> sides) {
    Duration total = options.processWarmup();
    if (total.isZero() || s.workloads().isEmpty()) return;
    log.println("   process warm-up of the new gateway: " + DurationFormat.format(total.multipliedBy(sides.size()))
        + " on " + String.join(", ", sides.stream().map(Side::name).toList()) + " (not reported)");
    sessionWarmUpRound(s, sides, total.dividedBy(s.workloads().size()));
    warmUntilJitQuiet(sides.stream().map(x -> x.sessions().pid()).distinct().toList(),
        () -> sessionWarmUpRound(s, sides, JIT_ROUND.dividedBy(s.workloads().size())));
  }

  private void sessionWarmUpRound(Scenario s, List<Side> sides, Duration each) {
    for (Workload w : s.workloads()) {
      Workload w8 = w.withConcurrency(Math.min(8, w.concurrency()));
      for (Side t : sides) {
        try (LoadGenerator b = t.generator(vertx, contexts, w8, null, topology.mockPort())) {
          t.checkAlive().run();
          b.run("process warm-up", each, 0, Resources.Probe.NONE);
        }
      }
    }
  }

  /** A scenario measured in this JVM: its repetitions, one after the other. */
  public static RunResult.ScenarioOutcome runMicro(Scenario s, BenchOptions options, PrintStream log) {
    log.println("== " + s.name() + ": " + s.description());
    List<Map<String, Double>> reps = new ArrayList<>();
    for (int i = 1; i <= options.repetitions(); i++) {
      Map<String, Double> r = s.micro().run(options.quick());
      log.println("   rep " + i + " " + r);
      reps.add(r);
    }
    return RunResult.ScenarioOutcome.micro(s, new MicroBench.Result(s.micro().describe(options.quick()), reps, s.micro().limits()));
  }

  /** Warm-up A, then each side; then per repetition A, then each side, so every side pairs with the same A. */
  private WorkloadResult runWorkload(Scenario s, Workload w, List<Side> sides) {
    String name = s.name() + "/" + w.name();
    log.println("-- " + name + ": " + w.describe());
    Side first = sides.get(0);
    List<LoadGenerator> generators = new ArrayList<>();
    try (LoadGenerator a = new LoadGenerator(vertx, contexts, DIRECT, Topology.HOST, topology.mockPort(), w, null,
             Topology.HOST, topology.mockPort())) {
      for (Side side : sides) generators.add(side.generator(vertx, contexts, w, w.faults(), topology.mockPort()));
      List<PhaseResult> warmups = new ArrayList<>();
      if (!options.warmup().isZero()) {
        warmups.add(phase(a, w, "warm-up", options.warmup(), 0, first));
        for (int j = 0; j < sides.size(); j++) {
          warmups.add(phase(generators.get(j), w, "warm-up", options.warmup(), 0, sides.get(j)));
        }
      }
      List<PhaseResult> direct = new ArrayList<>();
      Map<String, List<PhaseResult>> proxied = new java.util.LinkedHashMap<>();
      for (Side side : sides) proxied.put(side.name(), new ArrayList<>());
      for (int i = 1; i <= options.repetitions(); i++) {
        direct.add(phase(a, w, "rep " + i, options.duration(), options.requests(), first));
        for (int j = 0; j < sides.size(); j++) {
          proxied.get(sides.get(j).name())
              .add(phase(generators.get(j), w, "rep " + i, options.duration(), options.requests(), sides.get(j)));
        }
      }
      return new WorkloadResult(s.name(), w, warmups, direct, proxied, s.budgets());
    } finally {
      generators.forEach(LoadGenerator::close);
    }
  }

  /** @param t the side measured with {@code g}; for A, the side whose probe is read around A's phase */
  private PhaseResult phase(LoadGenerator g, Workload w, String label, Duration d, long count, Side t) {
    t.checkAlive().run();
    // both sides of a sessions scenario: the gateway's decisions show sessions on checkpointing every turn, sessions
    // off none (its answers are checked for having no session header)
    boolean sessionEvents = t.sessions() != null && w.sessions() && !g.target().equals(DIRECT);
    Map<String, Long> before = sessionEvents ? t.sessions().decisions() : null;
    PhaseResult r = g.run(label, d, count, t.probe());
    if (before != null) {
      Map<String, Long> after = t.sessions().decisions();
      if (after != null) r = r.withSessionEvents(SessionGateway.delta(before, after));
    }
    if (w.faults() != null && r.target().equals(GATEWAY)) {
      long unused = g.resetMockFaults();
      if (unused != 0) r = r.withFaultsArmed(Map.of(unused > 0 ? "unused" : "unused-unknown", Math.abs(unused)));
    }
    log.println("   " + r.oneLine(w));
    return r;
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
