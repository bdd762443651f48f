package dev.rebound.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar bench/target/bench.jar [scenario...] [options]}: starts mock-llm, the gateway and any
 * {@code --peers} as their own processes, runs the scenarios as interleaved direct/gateway pairs (and further sides
 * after the gateway), and writes report.md and report.json.
 * Exit codes: 0 done, 1 the run failed or a selected scenario could not run (e.g. no Redis for sessions-redis; the
 * others still run and are reported), 2 usage error, 3 a budget was missed (with --check-budgets).
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    BenchOptions opts;
    List<Scenario> scenarios;
    try {
      opts = BenchOptions.parse(args);
      scenarios = Scenarios.withConcurrency(Scenarios.select(opts.scenarios()), opts.concurrency());
    } catch (BenchOptions.UsageException | IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      return 2;
    }
    if (opts.help()) {
      out.print(BenchOptions.usage());
      return 0;
    }
    if (opts.list()) {
      for (Scenario s : Scenarios.all()) {
        out.println(String.format("%-18s %s%s", s.name(), s.description(),
            s.available() ? "" : "  [" + s.unavailableReason() + "]"));
      }
      return 0;
    }
    for (Scenario s : scenarios) {
      if (!s.available()) out.println("bench: " + s.name() + ": " + s.unavailableReason() + " (skipped, listed in the report)");
      String problem = s.store() == SessionStore.REDIS ? SessionGateway.redisProblem(System.getenv()) : null;
      if (problem != null) err.println("bench: " + s.name() + " will not run: " + problem);
    }
    Path root = repoRoot(Path.of("").toAbsolutePath());
    Path jar = opts.gatewayJar() != null ? opts.gatewayJar() : root.resolve("gateway/target/rebound.jar");
    Path outDir = opts.out() != null ? opts.out()
        : root.resolve("bench/results").resolve(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now()));
    boolean anyToRun = scenarios.stream().anyMatch(Scenario::needsProcesses);
    if (anyToRun && !Files.isRegularFile(jar)) {
      err.println("bench: the gateway jar is missing: " + jar.toAbsolutePath().normalize()
          + "\n  build it with `mvn -q -DskipTests package` at the repository root (bench/run.sh does), or pass --gateway-jar PATH");
      return 2;
    }
    if (anyToRun && opts.baselineJar() != null && !Files.isRegularFile(opts.baselineJar())) {
      err.println("bench: --baseline-jar: no such file: " + opts.baselineJar().toAbsolutePath().normalize()
          + "\n  copy the build to compare against aside first, e.g. cp gateway/target/rebound.jar /tmp/rebound-main.jar");
      return 2;
    }

    Instant started = Instant.now();
    Map<String, Object> env = environment(root, jar);
    if (opts.baselineJar() != null) env.put("baselineJar", opts.baselineJar() + jarStamp(opts.baselineJar()));
    if (!opts.peers().isEmpty()) {
      env.put("peers", String.join(", ", opts.peers().stream().map(p -> p.id() + " (" + p.description() + ")").toList()));
    }
    List<RunResult.ScenarioOutcome> outcomes;
    try {
      Files.createDirectories(outDir);
      if (anyToRun) {
        out.println("bench: " + opts.plan() + "; output in " + outDir);
        // peers only proxy: started when a selected scenario is plain proxying, else they would idle through the run
        List<Peer> peers = scenarios.stream().anyMatch(s -> s.needsProcesses() && s.sides() == Scenario.Sides.GATEWAY_AND_PEERS)
            ? opts.peers() : List.of();
        if (peers.size() < opts.peers().size()) {
          out.println("bench: no selected scenario is plain proxying; --peers not started"
              + (opts.baselineJar() != null && scenarios.stream().anyMatch(s -> s.store() != null)
              ? " (the baseline build runs beside each sessions scenario's gateway)" : ""));
        }
        // the shipped options first: the ones given on the command line come later, and the JVM takes the last of each
        List<String> javaOpts = new java.util.ArrayList<>(ShippedJvmOptions.of(root));
        if (javaOpts.isEmpty()) {
          // run from outside the repository, the gateway gets the JVM's defaults (a heap of a quarter of the machine):
          // its RSS and CPU are then not those of the gateway as shipped
          out.println("bench: no REBOUND_JAVA_OPTS in " + root.resolve("Dockerfile") + ": the gateway runs with the JVM's"
              + " default options, not the shipped ones (run the bench from the repository)");
        }
        javaOpts.addAll(opts.gatewayJavaOpts());
        try (Topology topo = Topology.start(jar, outDir.resolve("processes"), javaOpts, peers,
                 opts.baselineJar());
             Runner runner = new Runner(opts, topo, out)) {
          StringBuilder serving = new StringBuilder("bench: mock-llm on port " + topo.mockPort() + " (pid " + topo.mockPid() + ")");
          for (Topology.Server s : serversOf(topo)) {
            serving.append(", ").append(s.name()).append(" on port ").append(s.port()).append(" (pid ").append(s.pid()).append(')');
          }
          out.println(serving);
          runner.warmUpProcesses(opts.processWarmup(), scenarios);
          outcomes = runner.run(scenarios);
          Map<String, Object> procs = new LinkedHashMap<>();
          procs.put("mockPid", topo.mockPid());
          procs.put("mockPeakRssKb", ProcStats.peakRssKb(topo.mockPid()));
          for (Topology.Server s : serversOf(topo)) {
            String key = camel(s.name());
            procs.put(key + "Pid", s.pid());
            procs.put(key + "PeakRssKb", ProcStats.peakRssKb(s.pids()));
          }
          procs.put("gatewayJavaOpts", javaOpts);
          procs.put("logs", topo.dir().toString());
          env.put("processes", procs);
        }
      } else {
        // nothing needs the processes: in-process scenarios only, and the ones not available yet
        List<RunResult.ScenarioOutcome> list = new java.util.ArrayList<>();
        for (Scenario s : scenarios) {
          list.add(s.available() ? Runner.runMicro(s, opts, out) : RunResult.ScenarioOutcome.skipped(s, s.unavailableReason()));
        }
        outcomes = list;
      }
    } catch (IOException | RuntimeException e) {
      err.println("bench: the run failed: " + e.getMessage());
      e.printStackTrace(err);
      return 1;
    }
    RunResult run = new RunResult(started, Instant.now(), opts, env, outcomes);
    String md = Report.markdown(run);
    try {
      Files.writeString(outDir.resolve("report.md"), md);
      Files.writeString(outDir.resolve("report.json"), Report.json(run));
    } catch (IOException e) {
      err.println("bench: cannot write the report: " + e.getMessage());
      return 1;
    }
    out.println();
    out.println(md);
    out.println("bench: wrote " + outDir.resolve("report.md") + " and " + outDir.resolve("report.json"));
    if (!run.failed().isEmpty()) {
      for (RunResult.ScenarioOutcome f : run.failed()) err.println("bench: " + f.scenario().name() + " " + f.skipped());
      return 1;
    }
    if (opts.checkBudgets() && run.anyBudgetMissed()) {
      err.println("bench: a budget was missed (see the Budgets table)");
      return 3;
    }
    return 0;
  }

  /** The gateway, then the peers. */
  private static List<Topology.Server> serversOf(Topology topo) {
    List<Topology.Server> out = new java.util.ArrayList<>(List.of(topo.gateway()));
    out.addAll(topo.peers());
    return out;
  }

  /** {@code reference-proxy} as a JSON key: {@code referenceProxy}. */
  static String camel(String name) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char c : name.toCharArray()) {
      if (c == '-') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }

  /** The repository root (the directory holding gateway/ and bench/), searching up from {@code from}; else from. */
  static Path repoRoot(Path from) {
    for (Path p = from; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("gateway")) && Files.isDirectory(p.resolve("bench"))) {
        return p;
      }
    }
    return from;
  }

  private static Map<String, Object> environment(Path root, Path jar) {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("cores", Runtime.getRuntime().availableProcessors());
    env.put("cpu", cpuModel());
    env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    env.put("loadAverageAtStart", loadAverage());
    env.put("gatewayJar", jar.toString() + jarStamp(jar));
    env.put("repoCommit", gitCommit(root));
    return env;
  }

  private static String jarStamp(Path jar) {
    try {
      return " (built " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC)
          .format(Files.getLastModifiedTime(jar).toInstant()) + ")";
    } catch (IOException e) {
      return "";
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return null;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String gitCommit(Path root) {
    try {
      String head = runGit(root, "rev-parse", "--short", "HEAD");
      if (head == null || head.isEmpty()) return null;
      String status = runGit(root, "status", "--porcelain", "--untracked-files=no");
      return head + (status != null && !status.isEmpty() ? " (with uncommitted changes)" : "");
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String runGit(Path root, String... args) {
    try {
      List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", root.toString()));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
      return out;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
