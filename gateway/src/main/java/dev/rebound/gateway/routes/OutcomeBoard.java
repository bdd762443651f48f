package dev.rebound.gateway.routes;

import dev.rebound.gateway.config.RoutingConfig;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each agent's recent attempts came to, per kind of task, and what clients and people said of its answers. Per
 * agent and task, over a sliding window: how many attempts failed (the failures that are the backend's, not the
 * request's), how long answers took, the time to the first token of streams, output tokens per second, the cost per
 * request and the recoveries (retries, continuations) an answer needed; and the feedback votes in [-1, 1]. Best-match
 * reads it as a performance term: an agent that fails half its requests, answers three times slower, writes slower or
 * costs more per request than the best agent on the same task, or whose answers were voted down, loses score until
 * those outcomes are older than the window; then it is tried again and measured anew.
 *
 * <p>Answer and first-token times are ranked by their median, the other figures by their mean.
 *
 * <p>Bounded: the newest {@link #KEPT} outcomes and {@link #VOTES_KEPT} votes per agent and task. Each bucket keeps
 * running sums of what it holds and its summary (medians worked out again only after something was added or aged
 * out), and each task the best figures of its agents (computed again only after something was recorded on it, or a
 * second passed), so reading an agent's standing on the hot path costs O(1) amortised, not a pass over outcomes.
 * Thread-safe.
 */
public final class OutcomeBoard {
  static final int KEPT = 200;
  static final int VOTES_KEPT = 200;

  /**
   * What one attempt came to.
   *
   * @param answered        the backend answered (else it failed through its own fault)
   * @param elapsedMs       the attempt's time
   * @param ttftMs          time to the first token the client got (streams); negative when unknown
   * @param tokensPerSecond output tokens per second of writing; negative when unknown
   * @param cost            the request's cost (the agent's cost per 1,000 tokens times its tokens); negative when unknown
   * @param recoveries      retries and continuations the answer needed on this agent
   */
  public record Measured(boolean answered, long elapsedMs, long ttftMs, double tokensPerSecond, double cost,
      int recoveries) {
    public static Measured failed(long elapsedMs) {
      return new Measured(false, elapsedMs, -1, -1, -1, 0);
    }

    public static Measured answered(long elapsedMs) {
      return new Measured(true, elapsedMs, -1, -1, -1, 0);
    }
  }

  /** Who else hears what this board learns here (the other gateways on the same Redis). */
  public interface Learned {
    void outcome(String agent, String task, Measured m);

    void feedback(String agent, String task, double score);
  }

  private final RoutingConfig.Outcomes config;
  private final Clock clock;
  private final Map<String, Task> byTask = new ConcurrentHashMap<>();
  private volatile Learned learned;

  public OutcomeBoard(RoutingConfig.Outcomes config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  public RoutingConfig.Outcomes config() {
    return config;
  }

  /** What this board learns from now on is told to {@code others} too. */
  public void share(Learned others) {
    this.learned = others;
  }

  /** One attempt of {@code agent} on a {@code task}: answered or failed through the backend's fault, and its time. */
  public void record(String agent, String task, boolean answered, long elapsedMs) {
    record(agent, task, answered ? Measured.answered(elapsedMs) : Measured.failed(elapsedMs));
  }

  /** One attempt of {@code agent} on a {@code task}, measured here; told to the other gateways. */
  public void record(String agent, String task, Measured m) {
    heard(agent, task, m);
    Learned others = learned;
    if (others != null) others.outcome(agent, task, m);
  }

  /** One attempt measured by another gateway. */
  public void heard(String agent, String task, Measured m) {
    Task t = task(task);
    long now = clock.millis();
    t.agents.computeIfAbsent(agent, a -> new Bucket()).add(now, m, now - staleAfterMillis());
    t.changes.incrementAndGet(); // after the add: cached bests never claim an outcome they lack
  }

  /** A vote on one of the agent's answers on the task, in [-1, 1]; told to the other gateways. */
  public void feedback(String agent, String task, double score) {
    heardFeedback(agent, task, score);
    Learned others = learned;
    if (others != null) others.feedback(agent, task, score);
  }

  /** A vote cast through another gateway. */
  public void heardFeedback(String agent, String task, double score) {
    Task t = task(task);
    t.agents.computeIfAbsent(agent, a -> new Bucket()).vote(clock.millis(), Math.max(-1, Math.min(1, score)));
    t.changes.incrementAndGet();
  }

  private Task task(String task) {
    return byTask.computeIfAbsent(task, k -> new Task());
  }

  /**
   * How long an agent may go without an attempt on a task before what is known of it counts as stale: a fifth of the
   * window (a minute by default). A stale agent is explored again, and an answer from it then replaces its stale
   * outcomes, so an agent that lost its traffic and recovered wins it back long before its failures age out.
   */
  long staleAfterMillis() {
    return Math.max(1, config.window().toMillis() / 5);
  }

  /**
   * The explore share for an agent too little measured lately, or not tried for {@link #staleAfterMillis()}, while
   * another on the task is measured; else 0.
   */
  public double exploration(String agent, String task) {
    return explored(agent, task) == 0 ? 0 : config.explore();
  }

  /** Why {@code agent} is explored on {@code task} (too few outcomes lately, or stale ones); null when it is not. */
  public String explorationReason(String agent, String task) {
    Task t = byTask.get(task);
    if (t == null) return null;
    long now = clock.millis();
    Bucket mine = t.agents.get(agent);
    Summary own = mine == null ? null : summary(mine, now);
    return switch (explored(agent, task)) {
      case 1 -> String.format(Locale.ROOT, "%d of the %d %s outcomes it needs lately", own == null ? 0 : own.samples(),
          config.minSamples(), task);
      case 2 -> String.format(Locale.ROOT, "not tried on %s for %d s", task, (now - own.newest()) / 1000);
      default -> null;
    };
  }

  /** 0: not explored; 1: too few outcomes lately; 2: stale ones (every time a plan is made: no words here). */
  private int explored(String agent, String task) {
    Task t = byTask.get(task);
    if (t == null || config.explore() <= 0) return 0;
    Map<String, Bucket> agents = t.agents;
    long now = clock.millis();
    Bucket mine = agents.get(agent);
    Summary own = mine == null ? null : summary(mine, now);
    int why;
    if (own == null || own.samples() < config.minSamples()) why = 1;
    else if (own.newest() < now - staleAfterMillis()) why = 2;
    else return 0;
    for (Map.Entry<String, Bucket> e : agents.entrySet()) {
      if (!e.getKey().equals(agent) && summary(e.getValue(), now).samples() >= config.minSamples()) return why;
    }
    return 0;
  }

  /** The score term: failures, slowness, recoveries and cost lose score, feedback moves it; 0 when nothing is known. */
  public double score(String agent, String task) {
    Standing s = standing(agent, task);
    return s == null ? 0 : s.term();
  }

  public String reason(String agent, String task) {
    Standing s = standing(agent, task);
    if (s == null) return null;
    StringBuilder why = new StringBuilder();
    Summary own = s.own();
    if (s.measured()) {
      why.append(String.format(Locale.ROOT, "%d%% of its last %d %s attempts answered",
          Math.round(100 * own.success()), own.samples(), task));
      if (s.slower() > 1.05) why.append(String.format(Locale.ROOT, ", %.1fx slower than the fastest", s.slower()));
      if (s.laterFirstToken() > 1.05) {
        why.append(String.format(Locale.ROOT, ", first token %.1fx later than the quickest", s.laterFirstToken()));
      }
      if (s.slowerWriting() > 1.05) {
        why.append(String.format(Locale.ROOT, ", writes %.1fx slower (%.0f tokens/s)", s.slowerWriting(), own.tokensPerSecond()));
      }
      if (own.recoveries() >= 0.05) why.append(String.format(Locale.ROOT, ", %.1f recoveries per answer", own.recoveries()));
      if (s.costlier() > 1.05) why.append(String.format(Locale.ROOT, ", %.1fx the cost per request of the cheapest", s.costlier()));
    }
    if (own.votes() > 0) {
      if (!why.isEmpty()) why.append(", ");
      why.append(String.format(Locale.ROOT, "feedback %+.1f over %d vote%s on %s", own.voteSum(), own.votes(),
          own.votes() == 1 ? "" : "s", task));
    }
    if (s.term() != 0) why.append(String.format(Locale.ROOT, " (%+.2f)", s.term()));
    return why.toString();
  }

  private Standing standing(String agent, String task) {
    Task t = byTask.get(task);
    Bucket mine = t == null ? null : t.agents.get(agent);
    if (mine == null) return null;
    long now = clock.millis();
    Summary own = summary(mine, now);
    Bests b = own.samples() >= config.minSamples() ? bests(t, now) : null;
    // the same outcomes against the same bests stand the same: worked out again only after either changed
    Standing known = mine.standing;
    if (known != null && known.own() == own && known.bests() == b) return known;
    Standing s = standing(own, b);
    mine.standing = s;
    return s;
  }

  private Standing standing(Summary own, Bests b) {
    int min = config.minSamples();
    boolean measured = own.samples() >= min;
    if (!measured && own.votes() == 0) return null;
    double slower = 1, later = 1, slowerWriting = 1, costlier = 1;
    if (measured) {
      // times are whole milliseconds: an agent answering in under one reads 0 ms, and counts as 1 ms, so that it still
      // outranks a slow one instead of leaving nothing to compare with
      if (own.answered() > 0 && b.fastest() < Double.MAX_VALUE) slower = atLeastAMillisecond(own.latencyMs()) / atLeastAMillisecond(b.fastest());
      if (own.ttftCount() >= min && b.quickest() < Double.MAX_VALUE) later = atLeastAMillisecond(own.ttftMs()) / atLeastAMillisecond(b.quickest());
      if (own.tpsCount() >= min && own.tokensPerSecond() > 0) slowerWriting = b.swiftest() / own.tokensPerSecond();
      if (own.costCount() >= min && b.cheapest() > 0) costlier = own.cost() / b.cheapest();
    }
    double penalty = 0;
    if (measured) {
      penalty = config.failureWeight() * (1 - own.success())
          + doublings(config.latencyWeight(), slower)
          + doublings(config.ttftWeight(), later)
          + doublings(config.throughputWeight(), slowerWriting)
          + Math.min(3, config.recoveryWeight() * own.recoveries())
          + doublings(config.costWeight(), costlier);
    }
    // the mean vote, pulled towards 0 by two neutral ones: one vote moves an agent, many move it up to the weight
    double votes = own.votes() == 0 ? 0 : config.feedbackWeight() * own.voteSum() / (own.votes() + 2);
    double term = Math.round((votes - penalty) * 1000) / 1000.0;
    return new Standing(own, b, measured, slower, later, slowerWriting, costlier, term);
  }

  /**
   * The best of each figure among the agents measured on the task: computed once for all the candidates of a plan,
   * again after anything was recorded on the task or a second of the board's clock passed (outcomes age out).
   */
  private Bests bests(Task t, long now) {
    long changes = t.changes.get();
    Bests b = t.bests;
    if (b != null && b.changes() == changes && now <= b.at() + 1000 && now >= b.at()) return b;
    int min = config.minSamples();
    double fastest = Double.MAX_VALUE, quickest = Double.MAX_VALUE, swiftest = 0, cheapest = Double.MAX_VALUE;
    for (Bucket bucket : t.agents.values()) {
      Summary o = summary(bucket, now);
      if (o.samples() < min) continue;
      if (o.answered() > 0) fastest = Math.min(fastest, o.latencyMs());
      if (o.ttftCount() >= min) quickest = Math.min(quickest, o.ttftMs());
      if (o.tpsCount() >= min) swiftest = Math.max(swiftest, o.tokensPerSecond());
      if (o.costCount() >= min) cheapest = Math.min(cheapest, o.cost());
    }
    b = new Bests(changes, now, fastest, quickest, swiftest, cheapest);
    t.bests = b;
    return b;
  }

  private static double atLeastAMillisecond(double ms) {
    return Math.max(1, ms);
  }

  /** {@code weight} per doubling of {@code ratio} (1 or less costs nothing), at most 2. */
  private static double doublings(double weight, double ratio) {
    if (ratio <= 1 || weight == 0) return 0;
    return Math.min(2, weight * Math.log(ratio) / Math.log(2));
  }

  private Summary summary(Bucket b, long now) {
    return b.summary(now - config.window().toMillis(), now - config.feedbackWindow().toMillis());
  }

  /** An agent's standing from its summary against the task's bests (null when it is not measured enough). */
  private record Standing(Summary own, Bests bests, boolean measured, double slower, double laterFirstToken, double slowerWriting,
      double costlier, double term) {}

  /** The agents measured on one task, and the best of their figures as last computed. */
  private static final class Task {
    final Map<String, Bucket> agents = new ConcurrentHashMap<>();
    /** Counts every outcome and vote recorded on the task, so the cached bests know when they are out of date. */
    final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    volatile Bests bests;
  }

  /** The best figures among the measured agents of a task, as of {@code at} and {@code changes} recorded. */
  private record Bests(long changes, long at, double fastest, double quickest, double swiftest, double cheapest) {}

  /** One agent's figures on one task, as of now, over what the window holds: median times, other figures means. */
  private record Summary(long newest, int samples, int answered, double latencyMs, int ttftCount, double ttftMs, int tpsCount,
      double tokensPerSecond, int costCount, double cost, double recoveries, int votes, double voteSum) {
    double success() {
      return samples == 0 ? 1 : (double) answered / samples;
    }
  }

  /** One agent's newest outcomes and votes on one task, with running sums of what is held. */
  private static final class Bucket {
    private record Entry(long at, Measured m) {}

    private record Vote(long at, double score) {}

    private final Deque<Entry> kept = new ArrayDeque<>();
    private final Deque<Vote> votes = new ArrayDeque<>();
    private int answered;
    private int ttftCount;
    private int tpsCount;
    private double tpsSum;
    private int costCount;
    private double costSum;
    private long recoveriesSum;
    private double voteSum;
    /** The summary as last worked out; null after anything was added or aged out since. */
    private volatile Summary summary;
    /** When the oldest outcome and vote held were recorded (MAX_VALUE: none), so a read knows without the lock that nothing aged out. */
    private volatile long oldestKept = Long.MAX_VALUE;
    private volatile long oldestVote = Long.MAX_VALUE;
    /** The standing last worked out from {@link #summary} (read and written by the board, racy but idempotent). */
    volatile Standing standing;

    /**
     * One outcome at {@code at}. An answer after a gap (the newest kept outcome older than {@code staleBefore}: the
     * agent had lost its traffic and was explored) replaces what was kept: it is measured anew from now.
     */
    synchronized void add(long at, Measured m, long staleBefore) {
      summary = null;
      if (m.answered() && !kept.isEmpty() && kept.peekLast().at() < staleBefore) {
        while (!kept.isEmpty()) count(kept.removeFirst().m(), -1);
        tpsSum = costSum = 0;
      }
      kept.addLast(new Entry(at, m));
      count(m, 1);
      if (kept.size() > KEPT) count(kept.removeFirst().m(), -1);
      oldestKept = kept.peekFirst().at();
    }

    synchronized void vote(long at, double score) {
      summary = null;
      votes.addLast(new Vote(at, score));
      voteSum += score;
      if (votes.size() > VOTES_KEPT) voteSum -= votes.removeFirst().score();
      oldestVote = votes.peekFirst().at();
    }

    /**
     * The median answer (or first-token) time of the answers held: one slow outlier (a cold start, a pause) does not
     * move an agent's place as it moves a mean. Worked out only when the summary is, over at most {@link #KEPT}.
     */
    private double medianTime(boolean firstToken) {
      long[] times = new long[firstToken ? ttftCount : answered];
      int n = 0;
      for (Entry e : kept) {
        Measured m = e.m();
        if (!m.answered() || n == times.length) continue;
        if (!firstToken) times[n++] = m.elapsedMs();
        else if (m.ttftMs() >= 0) times[n++] = m.ttftMs();
      }
      if (n == 0) return 0;
      java.util.Arrays.sort(times, 0, n);
      return n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2.0;
    }

    private void count(Measured m, int sign) {
      if (m.answered()) {
        answered += sign;
        recoveriesSum += (long) sign * m.recoveries();
        if (m.ttftMs() >= 0) {
          ttftCount += sign;
        }
        if (m.tokensPerSecond() > 0) {
          tpsCount += sign;
          tpsSum += sign * m.tokensPerSecond();
        }
        if (m.cost() >= 0) {
          costCount += sign;
          costSum += sign * m.cost();
        }
      }
    }

    /** Read on every plan for every candidate: without the lock while nothing was added or aged out. */
    Summary summary(long since, long votesSince) {
      Summary known = summary;
      if (known != null && oldestKept >= since && oldestVote >= votesSince) return known;
      return summaryNow(since, votesSince);
    }

    private synchronized Summary summaryNow(long since, long votesSince) {
      while (!kept.isEmpty() && kept.peekFirst().at() < since) {
        count(kept.removeFirst().m(), -1);
        summary = null;
      }
      while (!votes.isEmpty() && votes.peekFirst().at() < votesSince) {
        voteSum -= votes.removeFirst().score();
        summary = null;
      }
      oldestKept = kept.isEmpty() ? Long.MAX_VALUE : kept.peekFirst().at();
      oldestVote = votes.isEmpty() ? Long.MAX_VALUE : votes.peekFirst().at();
      if (summary != null) return summary;
      if (kept.isEmpty()) {
        // sums start again from exact zeros, so rounding never builds up
        tpsSum = costSum = 0;
      }
      if (votes.isEmpty()) voteSum = 0;
      return summary = new Summary(kept.isEmpty() ? 0 : kept.peekLast().at(), kept.size(), answered, medianTime(false),
          ttftCount, medianTime(true), tpsCount, tpsCount == 0 ? 0 : tpsSum / tpsCount,
          costCount, costCount == 0 ? 0 : costSum / costCount, answered == 0 ? 0 : (double) recoveriesSum / answered,
          votes.size(), voteSum);
    }
  }
}
