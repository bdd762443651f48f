package dev.rebound.gateway.routes;

import dev.rebound.gateway.config.RoutingConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each agent's recent attempts came to, per kind of task: how many failed (the failures that are the backend's,
 * not the request's) and how long answers took. Best-match reads it as a performance term: an agent that fails half
 * its requests, or answers three times slower than the fastest agent on the same task, loses score until those
 * outcomes are older than the window; then it is tried again and measured anew. Bounded: the newest
 * {@link #KEPT} outcomes per agent and task. Thread-safe.
 */
public final class OutcomeBoard {
  static final int KEPT = 200;

  private final RoutingConfig.Outcomes config;
  private final Clock clock;
  private final Map<String, Map<String, Outcomes>> byTask = new ConcurrentHashMap<>();

  public OutcomeBoard(RoutingConfig.Outcomes config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** One attempt of {@code agent} on a {@code task}: answered or failed through the backend's fault, and its time. */
  public void record(String agent, String task, boolean answered, long elapsedMs) {
    byTask.computeIfAbsent(task, t -> new ConcurrentHashMap<>()).computeIfAbsent(agent, a -> new Outcomes())
        .add(clock.instant(), answered, elapsedMs);
  }

  /** The explore share for an agent too little measured lately while another on the task is; else 0. */
  public double exploration(String agent, String task) {
    Map<String, Outcomes> agents = byTask.get(task);
    if (agents == null) return 0;
    Instant since = clock.instant().minus(config.window());
    Outcomes mine = agents.get(agent);
    if (mine != null && mine.summary(since).samples() >= config.minSamples()) return 0;
    for (Map.Entry<String, Outcomes> e : agents.entrySet()) {
      if (!e.getKey().equals(agent) && e.getValue().summary(since).samples() >= config.minSamples()) return config.explore();
    }
    return 0;
  }

  /** The score term: failures and slowness cost, nothing when too little is known. */
  public double score(String agent, String task) {
    Standing s = standing(agent, task);
    return s == null ? 0 : -s.penalty();
  }

  public String reason(String agent, String task) {
    Standing s = standing(agent, task);
    if (s == null) return null;
    StringBuilder why = new StringBuilder(String.format(Locale.ROOT, "%d%% of its last %d %s attempts answered",
        Math.round(100 * s.success()), s.samples(), task));
    if (s.slower() > 1.05) why.append(String.format(Locale.ROOT, ", %.1fx slower than the fastest", s.slower()));
    if (s.penalty() > 0) why.append(String.format(Locale.ROOT, " (%.2f)", -s.penalty()));
    return why.toString();
  }

  private Standing standing(String agent, String task) {
    Map<String, Outcomes> agents = byTask.get(task);
    Outcomes mine = agents == null ? null : agents.get(agent);
    if (mine == null) return null;
    Instant since = clock.instant().minus(config.window());
    Outcomes.Summary own = mine.summary(since);
    if (own.samples() < config.minSamples()) return null;
    double fastest = own.meanLatencyMs();
    for (Outcomes other : agents.values()) {
      Outcomes.Summary o = other == mine ? own : other.summary(since);
      if (o.samples() >= config.minSamples() && o.answered() > 0 && o.meanLatencyMs() < fastest) fastest = o.meanLatencyMs();
    }
    double slower = own.answered() == 0 || fastest <= 0 ? 1 : own.meanLatencyMs() / fastest;
    double penalty = config.failureWeight() * (1 - own.success())
        + Math.min(2, config.latencyWeight() * Math.max(0, Math.log(slower) / Math.log(2)));
    return new Standing(own.samples(), own.success(), slower, penalty);
  }

  private record Standing(int samples, double success, double slower, double penalty) {}

  /** One agent's newest outcomes on one task. */
  private static final class Outcomes {
    private record Outcome(Instant at, boolean answered, long elapsedMs) {}

    record Summary(int samples, int answered, double meanLatencyMs) {
      double success() {
        return samples == 0 ? 1 : (double) answered / samples;
      }
    }

    private final Deque<Outcome> kept = new ArrayDeque<>();

    synchronized void add(Instant at, boolean answered, long elapsedMs) {
      kept.addLast(new Outcome(at, answered, elapsedMs));
      if (kept.size() > KEPT) kept.removeFirst();
    }

    synchronized Summary summary(Instant since) {
      while (!kept.isEmpty() && kept.peekFirst().at().isBefore(since)) kept.removeFirst();
      int answered = 0;
      long latency = 0;
      for (Outcome o : kept) {
        if (o.answered()) {
          answered++;
          latency += o.elapsedMs();
        }
      }
      return new Summary(kept.size(), answered, answered == 0 ? 0 : (double) latency / answered);
    }
  }
}
