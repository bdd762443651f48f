package dev.rebound.bench;

import dev.rebound.gateway.config.RoutingConfig;
import dev.rebound.gateway.config.TaskPatternsFile;
import dev.rebound.gateway.routes.OutcomeBoard;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.AgentHealth;
import dev.rebound.routing.AttemptPlan;
import dev.rebound.routing.Protocol;
import dev.rebound.routing.RouteDefinition;
import dev.rebound.routing.RouteMatch;
import dev.rebound.routing.RoutingRequest;
import dev.rebound.routing.RuleSet;
import dev.rebound.routing.TaskPatterns;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The cost of choosing agents, paid on every request: RuleSet.plan over 100 rules and 50 agents, with task analysis
 * by the shipped dictionaries and the classifier trained on the bundled corpus, and best-match reading an outcome board
 * with a full window of samples (the performance term and the exploration check), on a rotating set of realistic
 * requests. In-process and single-threaded, so it measures the routing code itself.
 */
public final class RoutingSelectionBench {
  static final String[] CAPS = {"code", "summarize", "translate", "data", "vision", "chat", "tools", "long-context"};

  public record Result(int rules, int agents, long calls, double p50Us, double p90Us, double p99Us, double maxUs) {}

  private RoutingSelectionBench() {}

  public static Result run(long warmupCalls, long measuredCalls) {
    List<AgentDefinition> agents = agents(50);
    List<RouteDefinition> routes = routes(100, agents);
    RuleSet rules = RuleSet.compile(agents, routes, patterns());
    List<RoutingRequest> requests = requests();
    AgentHealth health = withOutcomes(someUnhealthy(agents), outcomes(agents));
    long sink = 0;
    for (long i = 0; i < warmupCalls; i++) sink += rules.plan(requests.get((int) (i % requests.size())), health).agents().size();
    Histogram h = new Histogram(3_600_000_000L, 3);
    for (long i = 0; i < measuredCalls; i++) {
      RoutingRequest r = requests.get((int) (i % requests.size()));
      long t0 = System.nanoTime();
      AttemptPlan p = rules.plan(r, health);
      h.recordValue(System.nanoTime() - t0);
      sink += p.agents().size();
    }
    if (sink == 42) System.out.print("");
    return new Result(routes.size(), agents.size(), measuredCalls, h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
  }

  static List<AgentDefinition> agents(int n) {
    List<AgentDefinition> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> caps = List.of(CAPS[i % CAPS.length], CAPS[(i * 3 + 1) % CAPS.length]);
      Protocol p = i % 4 == 0 ? Protocol.ANTHROPIC : Protocol.OPENAI;
      out.add(new AgentDefinition("agent-" + i, "backend-" + (i % 10), "model-" + i, p, caps, 1 + (i % 7), 1 + (i % 3),
          i % 5 == 0 ? 1_000_000 : 8_192 << (i % 5)));
    }
    return out;
  }

  static List<RouteDefinition> routes(int n, List<AgentDefinition> agents) {
    List<RouteDefinition> out = new ArrayList<>();
    for (int i = 0; i < n - 2; i++) {
      String a = agents.get(i % agents.size()).name();
      String b = agents.get((i + 7) % agents.size()).name();
      RouteMatch m = switch (i % 6) {
        case 0 -> new RouteMatch("family-" + i + "-*", null);
        case 1 -> new RouteMatch(null, null, null, null, Map.of("x-team", "team-" + i + "*"), null, null, null, null, List.of(), null, null);
        case 2 -> new RouteMatch("m-" + i, null, null, null, Map.of(), 1000 * i, 1000 * i + 5000, null, null, List.of(), null, null);
        case 3 -> new RouteMatch(null, null, null, "tenant-" + i, Map.of(), null, null, true, null, List.of("deploy", "rollback"), null, null);
        case 4 -> new RouteMatch("x-" + i + "*", null, null, null, Map.of(), null, null, null, null, List.of(), "(?i)ticket-" + i + "\\b", null);
        default -> new RouteMatch("t-" + i, null, null, null, Map.of(), null, null, null, null, List.of(), null, "data");
      };
      if (i % 10 == 9) {
        Map<String, Integer> split = new LinkedHashMap<>();
        split.put(a, 70);
        split.put(b, 30);
        out.add(new RouteDefinition("route-" + i, m, List.of(), split, null));
      } else {
        out.add(new RouteDefinition("route-" + i, m, List.of(a, b), Map.of(), null));
      }
    }
    out.add(new RouteDefinition("auto", new RouteMatch("auto", null), List.of(), Map.of(), "best-match"));
    out.add(new RouteDefinition("default", RouteMatch.ANY, List.of(), Map.of(), "best-match"));
    return out;
  }

  /** The dictionaries shipped in conf/task-patterns.yaml, with the classifier trained on the bundled corpus, as the gateway runs them. */
  static TaskPatterns patterns() {
    try {
      return TaskPatternsFile.bundled().withClassifier(List.of());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * A board with a full window of outcomes for every agent on every task kind the requests are classified as, some
   * failing, slow, slow-writing or costly, and a few agents with too few samples, so best-match's performance term
   * and the exploration check read real sums and compute the task's bests as the gateway does.
   */
  static OutcomeBoard outcomes(List<AgentDefinition> agents) {
    OutcomeBoard board = new OutcomeBoard(RoutingConfig.Outcomes.DEFAULT, Clock.systemUTC());
    String[] tasks = {"code", "summarize", "translate", "data", "vision", "chat"};
    for (int i = 0; i < agents.size(); i++) {
      String name = agents.get(i).name();
      // every tenth agent has been measured too little lately: the runner-up may be explored
      int samples = i % 10 == 3 ? 2 : 40;
      for (String task : tasks) {
        for (int k = 0; k < samples; k++) {
          boolean answered = (k + i) % (2 + i % 5) != 0;
          long elapsed = 200 + 37L * ((i * 7 + k) % 13);
          board.record(name, task, answered ? new OutcomeBoard.Measured(true, elapsed, elapsed / 4, 20 + i % 30,
              0.001 * (1 + i % 7), k % 9 == 0 ? 1 : 0) : OutcomeBoard.Measured.failed(elapsed));
          if (k % 8 == 0) board.feedback(name, task, k % 16 == 0 ? 1 : -1);
        }
      }
    }
    return board;
  }

  /** Breakers and load from {@code live}; performance, its reason and exploration from the outcome board. */
  static AgentHealth withOutcomes(AgentHealth live, OutcomeBoard board) {
    return new AgentHealth() {
      @Override
      public Status status(AgentDefinition a) {
        return live.status(a);
      }

      @Override
      public int inFlight(AgentDefinition a) {
        return live.inFlight(a);
      }

      @Override
      public double performance(AgentDefinition a, String task) {
        return board.score(a.name(), task);
      }

      @Override
      public String performanceReason(AgentDefinition a, String task) {
        return board.reason(a.name(), task);
      }

      @Override
      public double exploration(AgentDefinition runnerUp, String task) {
        return board.exploration(runnerUp.name(), task);
      }
    };
  }

  static List<RoutingRequest> requests() {
    String[] prompts = {
        "Why does this function throw a NullPointerException when the list is empty? Here is the stack trace.",
        "Summarize the key points of the attached meeting notes in five bullet points.",
        "Translate this paragraph into French, keeping the tone formal.",
        "Here is a CSV of monthly sales; which region has the highest average? Plot a histogram too.",
        "Describe this screenshot for a visually impaired reader.",
        "Hello! Can you recommend a good book about the history of Rome?",
        "Refactor UserService so validation lives in its own class; add a unit test.",
        "Please look at ticket-42 and tell me what to do next."};
    String system = "You are a helpful assistant working for an engineering team. Answer precisely. ".repeat(20);
    List<RoutingRequest> out = new ArrayList<>();
    String[] models = {"auto", "gpt-4o", "family-12-large", "x-4-mini", "m-2", "claude-sonnet-4-5"};
    for (int i = 0; i < 24; i++) {
      Protocol p = i % 3 == 0 ? Protocol.ANTHROPIC : Protocol.OPENAI;
      Map<String, String> headers = i % 5 == 0 ? Map.of("x-team", "team-" + (i % 7) + "-platform") : Map.of();
      out.add(new RoutingRequest(p, models[i % models.length], "/v1/chat/completions", "tenant-" + (i % 4), headers,
          500 + 1500 * i, i % 2 == 0, i % 8 == 4, system, prompts[i % prompts.length], i % 6 == 0 ? "agent-3" : null,
          (i * 0.37) % 1.0));
    }
    return out;
  }

  static AgentHealth someUnhealthy(List<AgentDefinition> agents) {
    return new AgentHealth() {
      @Override
      public Status status(AgentDefinition a) {
        int n = a.name().hashCode() & 0x7fffffff;
        return n % 11 == 0 ? Status.OPEN : n % 7 == 0 ? Status.COOLING : Status.HEALTHY;
      }

      @Override
      public int inFlight(AgentDefinition a) {
        return a.name().length() % 4;
      }
    };
  }

  /** Prints the figure: {@code java -cp bench.jar dev.rebound.bench.RoutingSelectionBench [measuredCalls]}. */
  public static void main(String[] args) {
    long calls = args.length > 0 ? Long.parseLong(args[0]) : 200_000;
    Result r = run(calls, calls);
    System.out.printf("routing selection, %d rules x %d agents, %d calls: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us%n",
        r.rules(), r.agents(), r.calls(), r.p50Us(), r.p90Us(), r.p99Us(), r.maxUs());
  }
}
