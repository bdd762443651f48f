package dev.rebound.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Command-line options. Explicit options win over what {@code --quick} sets, whatever their order. */
public record BenchOptions(
    List<String> scenarios,
    boolean quick,
    Duration duration,
    long requests,
    Duration warmup,
    Duration processWarmup,
    int repetitions,
    Map<String, Integer> concurrency,
    Path out,
    Path gatewayJar,
    List<String> gatewayJavaOpts,
    List<Peer> peers,
    Path baselineJar,
    boolean checkBudgets,
    boolean list,
    boolean help) {

  public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
  public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(5);
  public static final Duration DEFAULT_PROCESS_WARMUP = Duration.ofSeconds(20);
  public static final Duration QUICK_PROCESS_WARMUP = Duration.ofSeconds(3);
  public static final int DEFAULT_REPETITIONS = 3;
  public static final Duration QUICK_DURATION = Duration.ofSeconds(1);
  public static final Duration QUICK_WARMUP = Duration.ofSeconds(1);
  public static final int QUICK_REPETITIONS = 2;

  /** A usage error: the message says what is wrong; exit code 2. */
  public static final class UsageException extends Exception {
    public UsageException(String message) {
      super(message);
    }
  }

  public static final String USAGE = """
      usage: bench/run.sh [scenario...] [options]
             java -jar bench/target/bench.jar [scenario...] [options]

      Runs each scenario as interleaved pairs: A = direct to mock-llm, B = through the gateway, after a warm-up of
      both, and writes report.md and report.json. Scenarios (default: all; the ones the gateway cannot run yet are
      listed as skipped with why): %s

      options:
        --quick                  smoke-check mode: warm-ups 3 s + 1 s, 2 repetitions x 1 s per target (about a minute)
        --duration D             length of each measured repetition per target (default 10s; 500ms, 2s, 1m)
        --requests N             a count of requests per repetition instead of a duration
        --warmup D               warm-up per target before the repetitions (default 5s; 0 for none)
        --process-warmup D       JIT warm-up of both fresh processes before the first scenario, a mix of every
                                 protocol and mode at 8 connections (default 20s, quick 3s; 0 for none)
        --repetitions N          measured A/B pairs per workload (default 3)
        --concurrency SPEC       connections: N (every scenario but c1) or scenario=N[,scenario=N...]
        --out DIR                where report.md / report.json go (default bench/results/<timestamp>/)
        --gateway-jar PATH       the gateway's runnable jar (default gateway/target/rebound.jar)
        --gateway-java-opts S    JVM options for the gateway process, after the shipped ones (the Dockerfile's
                           REBOUND_JAVA_OPTS), e.g. "-XX:StartFlightRecording=filename=g.jfr"
        --peers LIST             plain proxies measured next to the gateway in the same interleaved run, on the
                                 plain-proxying scenarios (c1, nonstream, stream, stream-burst): reference-proxy
                                 (a Vert.x proxy from the bench; also: reference), nginx (from PATH); e.g.
                                 --peers reference-proxy,nginx. --peer NAME adds one
        --reference-proxy        the same as --peers reference-proxy
        --baseline-jar PATH      another build of the gateway (e.g. main's, copied aside) as a peer named baseline,
                                 with the same config and JVM options: a change measured against the build before it
                                 in one interleaved run; on the sessions scenarios, a second sessions gateway of that
                                 build with a store of its own (sides baseline and baseline-sessions-off)
        --check-budgets          exit with code 3 when a budget is missed
        --list                   list the scenarios and exit
        -h, --help               this text
      """;

  public static String usage() {
    return String.format(Locale.ROOT, USAGE, String.join(", ", Scenarios.names()));
  }

  public static BenchOptions parse(String[] args) throws UsageException {
    List<String> scenarios = new ArrayList<>();
    boolean quick = false;
    Duration duration = null;
    Long requests = null;
    Duration warmup = null;
    Duration processWarmup = null;
    Integer repetitions = null;
    Map<String, Integer> concurrency = new LinkedHashMap<>();
    Path out = null;
    Path jar = null;
    Path baselineJar = null;
    List<String> javaOpts = new ArrayList<>();
    boolean check = false;
    java.util.Set<Peer> peers = new java.util.LinkedHashSet<>();
    boolean list = false;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String inlineValue = null;
      if (a.startsWith("--") && a.contains("=")) {
        inlineValue = a.substring(a.indexOf('=') + 1);
        a = a.substring(0, a.indexOf('='));
      }
      switch (a) {
        case "--quick" -> quick = true;
        case "--check-budgets" -> check = true;
        case "--reference-proxy" -> peers.add(Peer.REFERENCE_PROXY);
        case "--peers", "--peer" -> {
          for (String name : value(args, i, a, inlineValue).split(",")) {
            if (name.isBlank()) continue;
            Peer peer;
            try {
              peer = Peer.parse(name);
            } catch (IllegalArgumentException e) {
              throw new UsageException(a + ": " + e.getMessage());
            }
            if (peer == Peer.BASELINE) throw new UsageException(a + ": baseline is another build: name its jar with --baseline-jar PATH");
            peers.add(peer);
          }
        }
        case "--list" -> list = true;
        case "-h", "--help" -> help = true;
        case "--duration" -> duration = positive(a, parseDuration(a, value(args, i, a, inlineValue)));
        case "--warmup" -> warmup = parseDuration(a, value(args, i, a, inlineValue));
        case "--process-warmup" -> processWarmup = parseDuration(a, value(args, i, a, inlineValue));
        case "--requests" -> requests = (long) positiveInt(a, value(args, i, a, inlineValue));
        case "--repetitions" -> repetitions = positiveInt(a, value(args, i, a, inlineValue));
        case "--concurrency" -> concurrency.putAll(parseConcurrency(value(args, i, a, inlineValue)));
        case "--out" -> out = Path.of(value(args, i, a, inlineValue));
        case "--gateway-jar" -> jar = Path.of(value(args, i, a, inlineValue));
        case "--baseline-jar" -> {
          baselineJar = Path.of(value(args, i, a, inlineValue));
          peers.add(Peer.BASELINE);
        }
        case "--gateway-java-opts" -> {
          for (String o : value(args, i, a, inlineValue).trim().split("\\s+")) if (!o.isEmpty()) javaOpts.add(o);
        }
        default -> {
          if (a.startsWith("-")) throw new UsageException("unknown option '" + a + "'\n\n" + usage());
          scenarios.add(a);
        }
      }
      if (inlineValue == null && takesValue(a)) i++;
    }
    try {
      Scenarios.select(scenarios);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return new BenchOptions(
        List.copyOf(scenarios),
        quick,
        duration != null ? duration : quick ? QUICK_DURATION : DEFAULT_DURATION,
        requests != null ? requests : 0,
        warmup != null ? warmup : quick ? QUICK_WARMUP : DEFAULT_WARMUP,
        processWarmup != null ? processWarmup : quick ? QUICK_PROCESS_WARMUP : DEFAULT_PROCESS_WARMUP,
        repetitions != null ? repetitions : quick ? QUICK_REPETITIONS : DEFAULT_REPETITIONS,
        Map.copyOf(concurrency),
        out,
        jar,
        List.copyOf(javaOpts),
        List.copyOf(peers),
        baselineJar,
        check,
        list,
        help);
  }

  /** One line describing the measurement plan, for the report. */
  public String plan() {
    String each = requests > 0 ? requests + " requests" : DurationFormat.format(duration);
    return (quick ? "quick: " : "")
        + (processWarmup.isZero() ? "" : "process warm-up " + DurationFormat.format(processWarmup) + ", then ")
        + "warm-up " + (warmup.isZero() ? "none" : DurationFormat.format(warmup) + " per target")
        + ", " + repetitions + " interleaved repetition" + (repetitions == 1 ? "" : "s") + " (A B"
        + (repetitions > 1 ? " A B" : "") + (repetitions > 2 ? " ..." : "") + ") of " + each + " per target"
        + (peers.isEmpty() ? "" : "; on the plain-proxying scenarios B is the gateway, then "
            + String.join(", then ", peers.stream().map(Peer::id).toList()) + ", each after the same A");
  }

  private static boolean takesValue(String a) {
    return switch (a) {
      case "--duration", "--warmup", "--process-warmup", "--requests", "--repetitions", "--concurrency", "--out", "--gateway-jar",
          "--baseline-jar", "--gateway-java-opts", "--peers", "--peer" -> true;
      default -> false;
    };
  }

  private static String value(String[] args, int i, String name, String inline) throws UsageException {
    if (inline != null) return inline;
    if (i + 1 >= args.length) throw new UsageException(name + " needs a value");
    return args[i + 1];
  }

  private static Duration positive(String name, Duration d) throws UsageException {
    if (d.isZero()) throw new UsageException(name + " must be more than 0");
    return d;
  }

  private static int positiveInt(String name, String v) throws UsageException {
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) throw new UsageException(name + " must be at least 1, got " + v);
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(name + " must be a whole number, got '" + v + "'");
    }
  }

  /** 500ms, 1.5s, 10s, 2m, or a bare number of seconds. */
  public static Duration parseDuration(String name, String v) throws UsageException {
    String s = v.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.endsWith("ms")) return nonNegative(name, v, Duration.ofNanos(Math.round(Double.parseDouble(s.substring(0, s.length() - 2)) * 1e6)));
      if (s.endsWith("s")) return nonNegative(name, v, Duration.ofNanos(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1e9)));
      if (s.endsWith("m")) return nonNegative(name, v, Duration.ofNanos(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60e9)));
      return nonNegative(name, v, Duration.ofNanos(Math.round(Double.parseDouble(s) * 1e9)));
    } catch (NumberFormatException e) {
      throw new UsageException(name + ": '" + v + "' is not a duration (e.g. 500ms, 10s, 1m)");
    }
  }

  private static Duration nonNegative(String name, String v, Duration d) throws UsageException {
    if (d.isNegative()) throw new UsageException(name + " must not be negative, got " + v);
    return d;
  }

  /** {@code 16} (every scenario but c1) or {@code nonstream=64,stream=8}. */
  public static Map<String, Integer> parseConcurrency(String spec) throws UsageException {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) continue;
      int eq = p.indexOf('=');
      String key = eq < 0 ? "*" : p.substring(0, eq).trim();
      int n = positiveInt("--concurrency", eq < 0 ? p : p.substring(eq + 1));
      if (!key.equals("*") && !Scenarios.names().contains(key)) {
        throw new UsageException("--concurrency: unknown scenario '" + key + "'; known: " + String.join(", ", Scenarios.names()));
      }
      m.put(key, n);
    }
    if (m.isEmpty()) throw new UsageException("--concurrency needs N or scenario=N");
    return m;
  }
}
