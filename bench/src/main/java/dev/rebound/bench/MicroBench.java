package dev.rebound.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scenario measured inside the bench JVM, without processes and without an A/B pair: the cost of one piece of the
 * gateway's code on its own (e.g. route selection). Each repetition gives named figures; the report shows their
 * median and range.
 */
public interface MicroBench {
  /** What one repetition does, for the report. */
  String describe(boolean quick);

  /** One repetition: figures by name, in the unit their name says ({@code ...Us} = microseconds). */
  Map<String, Double> run(boolean quick);

  /** Targets on its figures (checked like the A/B budgets, on the median of the repetitions); none by default. */
  default List<Limit> limits() {
    return List.of();
  }

  /** A figure's target: at most {@code atMost}, read in words as {@code text} ("<= 50 us"). */
  record Limit(String figure, double atMost, String text) {
    /** Met or missed by the median; flagged when the repetitions fall on both sides. */
    public String verdict(Stats.Summary s) {
      if (s == null || s.isEmpty()) return "not measured";
      return (missedBy(s) ? "MISSED" : "met") + ((s.min() <= atMost) != (s.max() <= atMost) ? " (spread crosses target)" : "");
    }

    public boolean missedBy(Stats.Summary s) {
      return s != null && !s.isEmpty() && s.median() > atMost;
    }
  }

  /** The repetitions of one micro benchmark and their summary. */
  record Result(String description, List<Map<String, Double>> repetitions, List<Limit> limits) {
    public Result(String description, List<Map<String, Double>> repetitions) {
      this(description, repetitions, List.of());
    }

    /** Whether the median of a figure missed its target. */
    public boolean anyLimitMissed() {
      Map<String, Stats.Summary> sum = summary();
      return limits.stream().anyMatch(l -> l.missedBy(sum.get(l.figure())));
    }

    public Map<String, Stats.Summary> summary() {
      Map<String, List<Double>> byName = new LinkedHashMap<>();
      for (Map<String, Double> r : repetitions) r.forEach((k, v) -> byName.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
      Map<String, Stats.Summary> out = new LinkedHashMap<>();
      byName.forEach((k, v) -> out.put(k, Stats.summarize(v)));
      return out;
    }
  }

  /** Route selection: {@link RoutingSelectionBench}, RuleSet.plan over 100 rules and 50 agents. */
  MicroBench ROUTING = new MicroBench() {
    @Override
    public String describe(boolean quick) {
      long n = calls(quick);
      return "RuleSet.plan with 100 rules and 50 agents (task analysis on, some agents cooling or open) on a rotating "
          + "set of 24 requests, single-threaded: " + n + " warm-up calls, then " + n + " timed calls";
    }

    @Override
    public Map<String, Double> run(boolean quick) {
      long n = calls(quick);
      RoutingSelectionBench.Result r = RoutingSelectionBench.run(n, n);
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("selectionP50Us", r.p50Us());
      m.put("selectionP90Us", r.p90Us());
      m.put("selectionP99Us", r.p99Us());
      m.put("selectionMaxUs", r.maxUs());
      m.put("calls", (double) r.calls());
      return m;
    }

    /** The budget: selection stays fast, p99 under 50 us. */
    @Override
    public List<Limit> limits() {
      return List.of(new Limit("selectionP99Us", 50, "<= 50 us"));
    }

    private long calls(boolean quick) {
      return quick ? 20_000 : 200_000;
    }
  };

  /** The embedded session store's own CPU per checkpointed turn: {@link StoreTurnsBench}. */
  MicroBench STORE_TURNS = new MicroBench() {
    @Override
    public String describe(boolean quick) {
      return "EmbeddedCheckpointStore in this JVM, " + StoreTurnsBench.LOOPS + " conversations at once, a new session "
          + "every " + StoreTurnsBench.TURNS_PER_SESSION + " turns; a turn is the gateway's store calls (the session "
          + "read on its first turn, user turn and answer in one fsynced write with a checkpoint, the session's events "
          + "in one call at its end): " + turns(quick) / 2 + " warm-up turns, then " + turns(quick) + " measured, on a "
          + "fresh store";
    }

    @Override
    public Map<String, Double> run(boolean quick) {
      StoreTurnsBench.Result r = StoreTurnsBench.run(turns(quick) / 2, turns(quick));
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("storeCpuPerTurnUs", r.storeCpuUsPerTurn());
      m.put("turnsPerSecond", r.turnsPerSecond());
      m.put("turns", (double) r.turns());
      m.put("fileMb", r.fileMb());
      return m;
    }

    private int turns(boolean quick) {
      return quick ? 4_000 : 60_000;
    }
  };

  /** The context step on a 2,000-message, ~200k-token conversation: {@link ContextFitBench}. */
  MicroBench CONTEXT_FIT = new MicroBench() {
    @Override
    public String describe(boolean quick) {
      return "ContextFit.preflight on a 2,000-message conversation (~195k tokens, text turns and tool exchanges), "
          + "single-threaded, after a JIT warm-up: " + iterations(quick) + " timed fits with the cut to a 128k window, "
          + "and as many with one new message appended (fits a 1M window: count + decision; and with the cut)";
    }

    @Override
    public Map<String, Double> run(boolean quick) {
      ContextFitBench.Result r = ContextFitBench.run(iterations(quick));
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("tokens", (double) r.tokens());
      m.put("keptMessages", (double) r.keptMessages());
      m.put("coldCountMs", r.coldCountMs());
      m.put("fitTruncateP50Ms", r.fitTruncateP50Ms());
      m.put("fitTruncateP99Ms", r.fitTruncateP99Ms());
      m.put("appendOneP50Ms", r.appendP50Ms());
      m.put("appendOneP99Ms", r.appendP99Ms());
      m.put("appendOneAndCutP50Ms", r.appendCutP50Ms());
      return m;
    }

    private int iterations(boolean quick) {
      return quick ? 40 : 300;
    }
  };
}
