package dev.rebound.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every scenario the bench knows, in run order. Scenarios the gateway cannot run yet are listed with the feature
 * they wait for, so selecting them says why instead of doing nothing. {@code faults} runs last: it leaves the
 * gateway's cooldown and breaker state behind.
 */
public final class Scenarios {
  private Scenarios() {}

  /** Words per answer and pacing of the paced streams (the paced SSE): 32 chunks, 5 ms apart. */
  static final int STREAM_WORDS = 32;
  static final long STREAM_PACING_MS = 5;
  /** The burst stream (the CPU per stream): 16 chunks the mock writes at once, unpaced. */
  static final int BURST_WORDS = 16;
  /** The small payload: the mock's default 12-word answer to a one-line question. */
  static final int SMALL_WORDS = 12;
  /**
   * Turns per session in the sessions scenarios before a connection starts a new one: long enough that most requests
   * continue a stored history, short enough that bodies stay small (the 8th request carries 15 messages, about 1.5 kB).
   */
  static final int SESSION_TURNS = 8;
  /** The budget "with Redis checkpoints on, >= 0.6x" of direct throughput; the embedded store gets the same. */
  static final double SESSIONS_THROUGHPUT_RATIO = 0.6;
  /** A long agent session: its history, resent whole on every turn, grows to about 200 KB of answers. */
  static final int LONG_SESSION_TURNS = 100;
  static final int LONG_SESSION_WORDS = 300;
  /** The large-context conversations: the 50k tokens. */
  static final int LARGE_CONTEXT_TOKENS = 50_000;

  private static final List<Scenario> ALL = List.of(
      new Scenario("c1", "one connection, non-stream: the latency the gateway adds to a lone request",
          List.of(nonStream("openai", Protocol.OPENAI, 1), nonStream("anthropic", Protocol.ANTHROPIC, 1)),
          List.of(Budget.addedAtMost(Metric.P50, 120, "<= +120 us")),
          null, null, null, Scenario.Sides.GATEWAY_AND_PEERS),
      new Scenario("nonstream", "32 connections, non-stream, small payload: throughput and the gateway's CPU per request",
          List.of(nonStream("openai", Protocol.OPENAI, 32), nonStream("anthropic", Protocol.ANTHROPIC, 32),
              nonStream("responses", Protocol.RESPONSES, 32)),
          List.of(Budget.ratioAtLeast(Metric.THROUGHPUT, 0.8), Budget.gatewayAtMost(Metric.GATEWAY_CPU, 60, "<= 60 us")),
          null, null, null, Scenario.Sides.GATEWAY_AND_PEERS),
      new Scenario("stream", "32 paced SSE streams (" + STREAM_WORDS + " events " + STREAM_PACING_MS + " ms apart): time "
          + "to first token and the largest gap between events",
          List.of(stream("openai", Protocol.OPENAI, 32, null), stream("anthropic", Protocol.ANTHROPIC, 32, null),
              stream("responses", Protocol.RESPONSES, 32, null)),
          List.of(Budget.addedAtMost(Metric.TTFT_P50, 1000, "<= +1 ms (no measurable TTFT)")),
          null, null, null, Scenario.Sides.GATEWAY_AND_PEERS),
      new Scenario("stream-burst", "32 SSE streams of " + BURST_WORDS + " events the mock writes at once: streams per "
          + "second and CPU per stream, what relaying costs when nothing waits",
          List.of(burst("openai", Protocol.OPENAI), burst("anthropic", Protocol.ANTHROPIC),
              burst("responses", Protocol.RESPONSES)),
          List.of(), null, null, null, Scenario.Sides.GATEWAY_AND_PEERS),
      new Scenario("translated", "32 connections; each workload twice through the gateway, interleaved: to an agent of "
          + "the client's protocol (pass-through) and, naming another model, to an agent of the other protocol "
          + "(translated both ways), to read translated CPU per request against pass-through",
          List.of(nonStream("anthropic", Protocol.ANTHROPIC, 32), nonStream("openai", Protocol.OPENAI, 32),
              burst("anthropic-stream", Protocol.ANTHROPIC), burst("openai-stream", Protocol.OPENAI)),
          List.of(), null, null, null, Scenario.Sides.PASS_THROUGH_AND_TRANSLATED),
      new Scenario("sessions-embedded", "as nonstream, but every connection continues its own session (a new one every "
          + SESSION_TURNS + " turns), so every turn is checkpointed; B is a gateway of its own with the embedded store "
          + "in a fresh temporary directory, and each repetition sends the same bodies through that gateway twice: "
          + "under /s/<session id>/ (sessions on) and to the plain /v1/... paths without a session id (sessions off)",
          sessionWorkloads(), sessionBudgets(), null, null, SessionStore.EMBEDDED, Scenario.Sides.SESSIONS_ON_AND_OFF),
      new Scenario("sessions-redis", "as sessions-embedded, with a Redis store: REDIS_URL if set, else a redis-server "
          + "the bench starts on a free port and stops afterwards",
          sessionWorkloads(), sessionBudgets(), null, null, SessionStore.REDIS, Scenario.Sides.SESSIONS_ON_AND_OFF),
      new Scenario("long-session", "as sessions-embedded, but long: 8 connections, OpenAI, each session "
          + LONG_SESSION_TURNS + " turns of " + LONG_SESSION_WORDS + "-word answers, so every request resends a history "
          + "that grows to about 200 KB; what a turn costs when the gateway reads and checks all of it every time",
          List.of(new Workload("openai", Protocol.OPENAI, false, 8, LONG_SESSION_WORDS, 0, null, LONG_SESSION_TURNS)),
          List.of(), null, null, SessionStore.EMBEDDED, Scenario.Sides.SESSIONS_ON_AND_OFF),
      new Scenario("large-context", "8 connections, OpenAI non-stream: conversations of about " + LARGE_CONTEXT_TOKENS
          + " tokens, each with a new last question; the gateway counts them (cached per message) and cuts them to a "
          + "32k window, direct sends them whole",
          List.of(new Workload("openai", Protocol.OPENAI, false, 8, SMALL_WORDS, 0, null, 0, LARGE_CONTEXT_TOKENS)),
          List.of(), null),
      new Scenario("context-fit", "in-process: a 2,000-message conversation of about 200k tokens; the first count, the "
          + "fit decision plus the cut to 128k with counts cached (issue target < 10 ms), and one appended message on "
          + "the cached conversation (target < 0.5 ms)",
          List.of(), List.of(), null, MicroBench.CONTEXT_FIT),
      new Scenario("routing", "100 rules, 50 agents: route selection time, in-process (no A/B)",
          List.of(), List.of(), null, MicroBench.ROUTING),
      new Scenario("store-turns", "in-process: the embedded session store alone, checkpointed turns as the gateway "
          + "makes them; its own CPU per turn (no A/B)",
          List.of(), List.of(), null, MicroBench.STORE_TURNS),
      new Scenario("faults", "32 paced streams; through the gateway 30 % of upstream answers are 429 with retry-after 1 s "
          + "and 5 % of streams are cut mid-way; the baseline is direct without faults",
          List.of(stream("openai", Protocol.OPENAI, 32, new FaultMix(0.30, 1, 0.05, STREAM_WORDS / 2))),
          List.of(),
          null));

  public static List<Scenario> all() {
    return ALL;
  }

  public static List<String> names() {
    return ALL.stream().map(Scenario::name).toList();
  }

  /**
   * The scenarios named (in run order, each once); none or {@code all} selects every scenario, including the ones
   * not available yet (they are reported as skipped, with why).
   *
   * @throws IllegalArgumentException naming the unknown ones and listing the known
   */
  public static List<Scenario> select(List<String> names) {
    if (names.isEmpty() || names.contains("all")) return ALL;
    Set<String> wanted = new LinkedHashSet<>();
    List<String> unknown = new ArrayList<>();
    for (String n : names) {
      String name = n.trim().toLowerCase(java.util.Locale.ROOT);
      if (names().contains(name)) wanted.add(name);
      else unknown.add(n);
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown scenario" + (unknown.size() > 1 ? "s " : " ")
          + unknown.stream().map(u -> "'" + u + "'").collect(Collectors.joining(", "))
          + "; known: " + String.join(", ", names()) + " (or all)");
    }
    return ALL.stream().filter(s -> wanted.contains(s.name())).toList();
  }

  /**
   * Applies concurrency overrides: scenario name to connections; key {@code *} applies to every scenario except
   * c1, whose one connection is what it measures (name it explicitly to change it).
   */
  public static List<Scenario> withConcurrency(List<Scenario> scenarios, Map<String, Integer> overrides) {
    if (overrides.isEmpty()) return scenarios;
    for (String k : overrides.keySet()) {
      if (!k.equals("*") && !names().contains(k)) {
        throw new IllegalArgumentException("--concurrency: unknown scenario '" + k + "'; known: " + String.join(", ", names()));
      }
    }
    List<Scenario> out = new ArrayList<>();
    for (Scenario s : scenarios) {
      Integer c = overrides.get(s.name());
      if (c == null && !s.name().equals("c1")) c = overrides.get("*");
      if (c == null) {
        out.add(s);
      } else {
        int conns = c;
        out.add(s.withWorkloads(s.workloads().stream().map(w -> w.withConcurrency(conns)).toList()));
      }
    }
    return out;
  }

  private static Workload nonStream(String name, Protocol p, int concurrency) {
    return new Workload(name, p, false, concurrency, SMALL_WORDS, 0, null);
  }

  private static List<Workload> sessionWorkloads() {
    return List.of(new Workload("openai", Protocol.OPENAI, false, 32, SMALL_WORDS, 0, null, SESSION_TURNS),
        new Workload("anthropic", Protocol.ANTHROPIC, false, 32, SMALL_WORDS, 0, null, SESSION_TURNS));
  }

  private static List<Budget> sessionBudgets() {
    return List.of(Budget.ratioAtLeast(Metric.THROUGHPUT, SESSIONS_THROUGHPUT_RATIO));
  }

  private static Workload burst(String name, Protocol p) {
    return new Workload(name, p, true, 32, BURST_WORDS, 0, null);
  }

  private static Workload stream(String name, Protocol p, int concurrency, FaultMix faults) {
    return new Workload(name, p, true, concurrency, STREAM_WORDS, STREAM_PACING_MS, faults);
  }
}
