package dev.rebound.gateway.recovery;

import dev.rebound.gateway.failure.RateBudget;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Spreads requests over what is left of a backend's request limit instead of sending them into a 429. Each answer's
 * rate-limit headers say how many requests were left when that request arrived ({@link RateBudget}); the requests
 * handed a slot after it are not in that count yet, so what is left now is the report minus those. When that falls to
 * {@code paceBelow} of the limit, slots are spaced by the time until the refill over what is left; when nothing is
 * left, the next slot is the refill. Per backend and model; thread-safe.
 *
 * <p>Alone, a gateway counts in process. With other gateways on the same Redis ({@link Shared}, set by
 * {@link HealthShare}), the budget is theirs together: every request of every gateway is numbered there with the
 * time it went ({@link PaceShare}), so a report is reckoned against the requests that may reach the backend after it,
 * whichever gateway sent them. While plenty is left a request goes at once and is numbered on the way (one script
 * call, not waited for); once a lane is down to its shared level ({@code (n-1)/n} of the limit with n gateways, at
 * least the pace level), each request waits for its slot from Redis until a minute after the refill, so the spacing is
 * the same for all. A gateway reckons a lane down when a report, Redis's reckoning, or its own requests since its last
 * report (as many again from each other gateway) bring it there, and tells the others at once. Redis away, each falls
 * back to its own count.
 */
public final class Pacing {
  /**
   * How long after its refill a lane that came down stays counted with the other gateways: a budget that ran low is
   * contended, and the burst after a refill is where the gateways would overrun it each counting alone.
   */
  static final Duration SHARED_AFTER_REFILL = Duration.ofSeconds(60);
  /** How much later than the reported refill a request goes, for clocks that differ a little. */
  private static final Duration REFILL_MARGIN = Duration.ofMillis(50);
  /**
   * Reports whose refill differs by less than this are of the same window (relative reset headers jitter); the shared
   * count ({@link PaceShare}) tells windows apart by it too.
   */
  static final long SAME_WINDOW_MS = 250;
  /** At most this many requests a lane remembers the sending time of, between two reports. */
  private static final int MAX_UNSEEN = 1024;
  /**
   * A request sent this shortly before the reported one may still reach the backend after it (two connections, one
   * slower): until its own answer comes, the report is not taken to have counted it. The shared count's margin.
   */
  static final Duration CROSSING = Duration.ofMillis(PaceShare.REORDER_MARGIN_MS);

  private final Clock clock;
  private final double paceBelow;
  /** backend -> model -> lane: looked up twice a request, so by the two names as they are, not a key built of them. */
  private final ConcurrentMap<String, ConcurrentMap<String, Lane>> lanes = new ConcurrentHashMap<>();

  /**
   * @param seq     this request's place among this gateway's requests to its backend and model (an answer's report
   *                refers to it)
   * @param delay   how long it waits before it is sent; zero when it goes at once
   * @param why     the reason, when it waits
   * @param counted its number in the count every gateway on the same Redis keeps of the lane (null when alone)
   */
  public record Slot(long seq, Duration delay, String why, Future<Long> counted) {
    public Slot(long seq, Duration delay, String why) {
      this(seq, delay, why, null);
    }

    /** Whether the other gateways on the same Redis count this request too. */
    public boolean shared() {
      return counted != null;
    }

    /** Its number in the shared count; 0 when alone or when Redis has not answered (yet). */
    long countedSeq() {
      return counted != null && counted.succeeded() ? counted.result() : 0;
    }
  }

  /**
   * A budget lane counted where every gateway on the same Redis counts it ({@link PaceShare}): every request of every
   * gateway is numbered there with when it went, so that an answer's report ("n left") is reckoned against every
   * request that may reach the backend after it, whichever gateway sent it.
   */
  public interface Shared {
    /** How many gateways share the budgets now, this one included (1: alone, nothing is shared). */
    int gateways();

    /** Numbers a request that goes at once; answers its number and what the shared count reckons is left. */
    Future<Count> count(String backend, String model, Instant now);

    /**
     * A slot of the shared lane, waited for while the lane is low; fails when the shared count cannot be reached (the
     * caller counts alone).
     *
     * @param known what this gateway knows of the lane from its own last report, for a lane Redis has no report of yet;
     *              null when it knows nothing
     */
    Future<Count> take(String backend, String model, Instant now, double paceBelow, Known known);

    /** What the answer to a request said; {@code seq} is its number in the shared count, 0 when unknown. */
    void reported(String backend, String model, long seq, RateBudget.Limit requests, Instant now);

    /** This gateway saw the lane come down to its shared level: the others wait for its slots too, until {@code until}. */
    void lowered(String backend, String model, Instant until);
  }

  /**
   * A request's number in the shared count and what was left of the lane when it was handed out.
   *
   * @param left   what the shared count reckons is left, this request not included; -1 when nothing is known
   * @param delay  how long the request waits for its slot (zero from {@link Shared#count})
   * @param why    the reason, when it waits
   */
  public record Count(long seq, long left, Long limit, Instant refill, Duration delay, String why) {}

  /**
   * What one gateway knows of a lane until its refill: {@code left} as of the request numbered {@code seq} in the
   * shared count (0: its number is unknown, and {@code left} already has this gateway's requests since taken off).
   */
  public record Known(long left, Long limit, Instant refill, long seq) {}

  private volatile Shared shared;

  public Pacing(Clock clock, double paceBelow) {
    this.clock = clock;
    this.paceBelow = paceBelow;
  }

  /** Shares the budgets with the other gateways on the same Redis (set once at start). */
  public void share(Shared with) {
    this.shared = with;
  }

  /**
   * The slot of the next request to {@code model} on {@code backend}: from the shared count while the lane is low and
   * other gateways share it, else from this gateway's own (at once).
   */
  public Future<Slot> next(String backend, String model) {
    Shared s = shared;
    if (s == null || paceBelow <= 0) return Future.succeededFuture(take(backend, model));
    int gateways = s.gateways();
    if (gateways < 2) return Future.succeededFuture(take(backend, model));
    Lane lane = lane(backend, model);
    Instant now = clock.instant();
    boolean low;
    boolean lowered = false;
    Known known = null;
    synchronized (lane) {
      low = lane.sharedUntil.isAfter(now);
      if (lane.remaining != null && lane.refill.isAfter(now)) {
        long sent = lane.handedOut - lane.reportSeq;
        known = lane.reportCounted > 0 ? new Known(lane.remaining, lane.limit, lane.refill, lane.reportCounted)
            : new Known(lane.remaining - sent, lane.limit, lane.refill, 0);
        // the others may have sent as many since this gateway's last report, unseen until their news arrives
        if (!low && lane.remaining - gateways * sent <= sharedLevel(lane.limit, gateways)) {
          low = lowered = true;
          lane.sharedUntil = lane.refill.plus(SHARED_AFTER_REFILL);
        }
      }
    }
    if (lowered) s.lowered(backend, model, known.refill().plus(SHARED_AFTER_REFILL));
    if (!low) {
      // goes at once, numbered in the shared count on the way (not waited for): a report is then reckoned against
      // every gateway's requests since, and Redis's reckoning tells this gateway when the lane comes down
      Slot own = take(backend, model);
      Future<Long> counted = s.count(backend, model, now).map(c -> {
        if (c.left() >= 0 && c.refill() != null && c.left() <= sharedLevel(c.limit(), gateways)) {
          heardLowered(backend, model, c.refill().plus(SHARED_AFTER_REFILL));
        }
        return c.seq();
      });
      return Future.succeededFuture(new Slot(own.seq(), own.delay(), own.why(), counted));
    }
    return s.take(backend, model, now, paceBelow, known).map(c -> {
      long seq;
      synchronized (lane) {
        seq = ++lane.handedOut;
        lane.sending(seq, clock.instant().plus(c.delay()));
      }
      return new Slot(seq, c.delay(), c.why(), Future.succeededFuture(c.seq()));
    }).recover(err -> Future.succeededFuture(take(backend, model)));
  }

  /** Another gateway saw this lane come down to its shared level: it is counted in Redis here too until {@code until}. */
  public void heardLowered(String backend, String model, Instant until) {
    Lane lane = lane(backend, model);
    synchronized (lane) {
      if (until.isAfter(lane.sharedUntil)) lane.sharedUntil = until;
    }
  }

  /** Whether this gateway counts the lane in Redis now (for tests and the admin view). */
  public boolean counted(String backend, String model) {
    ConcurrentMap<String, Lane> ofBackend = lanes.get(backend);
    Lane lane = ofBackend == null ? null : ofBackend.get(model);
    if (lane == null) return false;
    synchronized (lane) {
      return lane.sharedUntil.isAfter(clock.instant());
    }
  }

  private Lane lane(String backend, String model) {
    ConcurrentMap<String, Lane> ofBackend = lanes.get(backend);
    if (ofBackend == null) ofBackend = lanes.computeIfAbsent(backend, b -> new ConcurrentHashMap<>());
    Lane lane = ofBackend.get(model);
    return lane != null ? lane : ofBackend.computeIfAbsent(model, m -> new Lane());
  }

  /** The slot of the next request to {@code model} on {@code backend}. */
  public Slot take(String backend, String model) {
    Lane lane = lane(backend, model);
    synchronized (lane) {
      return lane.take(clock.instant(), paceBelow, backend, model);
    }
  }

  /** What the answer to the request with slot {@code seq} said of the backend's limits. */
  public void reported(String backend, String model, RateBudget budget, long seq) {
    reported(backend, model, budget, new Slot(seq, Duration.ZERO, null));
  }

  /**
   * A paced request goes now: its wait is over (its timer may fire late on a busy loop), or its pace was longer than it
   * may wait. A report is reckoned against when it really went, not its slot's time.
   */
  public void goesNow(String backend, String model, Slot slot) {
    Lane lane = lane(backend, model);
    synchronized (lane) {
      lane.sentAt(slot.seq(), clock.instant());
    }
  }

  /** A paced request never went (its client left while it waited): no report counts it as unseen. */
  public void notSent(String backend, String model, Slot slot) {
    Lane lane = lane(backend, model);
    synchronized (lane) {
      lane.forget(slot.seq());
    }
  }

  /** What the answer to the request given {@code slot} said of the backend's limits. */
  public void reported(String backend, String model, RateBudget budget, Slot slot) {
    if (paceBelow <= 0) return;
    RateBudget.Limit requests = null;
    if (budget != null) for (RateBudget.Limit l : budget.limits()) if (l.name().equals("requests")) requests = l;
    Lane lane = lane(backend, model);
    if (requests == null || requests.remaining() == null || requests.resetsAt() == null) {
      // an answer without a count (an error, a backend without the headers): the backend had it, but which report
      // counts it is not known; the next report of a request sent after this answer came does. Before a first report
      // nothing is reckoned yet: left unmarked, a request only stays unseen a little longer
      synchronized (lane) {
        if (lane.remaining != null) lane.answered(slot.seq(), clock.instant());
      }
      return;
    }
    Shared s = shared;
    Instant now = clock.instant();
    boolean wasLow;
    boolean low;
    synchronized (lane) {
      lane.report(requests, slot.seq(), slot.countedSeq());
      wasLow = lane.sharedUntil.isAfter(now);
      low = s != null && s.gateways() > 1 && requests.resetsAt().isAfter(now)
          && requests.remaining() <= sharedLevel(requests.limit(), s.gateways());
      Instant until = requests.resetsAt().plus(SHARED_AFTER_REFILL);
      if (low && until.isAfter(lane.sharedUntil)) lane.sharedUntil = until;
    }
    if (s == null) return;
    if (low && !wasLow) s.lowered(backend, model, requests.resetsAt().plus(SHARED_AFTER_REFILL));
    // while plenty is left the shared count needs no report: the one that says the lane came down starts its reckoning
    if (!low && !wasLow) return;
    RateBudget.Limit stated = requests;
    if (slot.counted() == null || slot.counted().isComplete()) {
      s.reported(backend, model, slot.countedSeq(), stated, now);
    } else {
      // the answer came back before Redis numbered its request: a report of no known number would be reckoned as of
      // every request numbered so far, counting as seen some that the backend had not seen yet
      slot.counted().onComplete(ar -> s.reported(backend, model, slot.countedSeq(), stated, now));
    }
  }

  /**
   * Below this many requests left, n gateways count a lane together: what the others may have sent unseen since their
   * last report fits in the rest ({@code (n-1)/n} of the limit), and never less than the pace level itself.
   */
  long sharedLevel(Long limit, int gateways) {
    if (limit == null || limit <= 0) return Long.MAX_VALUE; // a size never stated: always count together
    long pace = Math.max(1, (long) Math.floor(limit * paceBelow));
    return Math.max(pace, (long) Math.ceil(limit * (gateways - 1) / (double) gateways));
  }

  private static final class Lane {
    private long handedOut;
    private long reportSeq;
    /** The reported request's number in the shared count (0: alone, or not known). */
    private long reportCounted;
    private Long remaining;
    private Long limit;
    private Instant refill;
    private Instant nextSlot = Instant.EPOCH;
    /** Until when this lane is counted in Redis with the other gateways (its refill, once it came down). */
    private Instant sharedUntil = Instant.EPOCH;
    /**
     * When each request not known to be in the last report's count is sent, by slot number, in the order noted: a
     * request handed its slot earlier but paced to go later reaches the backend after the reported one, so the report
     * cannot have counted it; one sent just before it may have crossed it ({@link #CROSSING}).
     */
    private final Map<Long, Sent> sent = new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Sent> eldest) {
        return size() > MAX_UNSEEN; // a backend that never reports: keep the newest only
      }
    };
    /** When the reported request was sent (null: not known, then only later slot numbers are taken as unseen). */
    private Instant reportSentAt;

    Slot take(Instant now, double paceBelow, String backend, String model) {
      long seq = ++handedOut;
      Slot slot = slot(seq, now, paceBelow, backend, model);
      if (paceBelow > 0) sending(seq, now.plus(slot.delay()));
      return slot;
    }

    /** Notes when the request with slot {@code seq} goes to the backend. */
    void sending(long seq, Instant at) {
      sent.put(seq, new Sent(seq, at));
    }

    /** The request with slot {@code seq} goes at {@code at} instead of when its slot said (if it is still noted). */
    void sentAt(long seq, Instant at) {
      if (sent.remove(seq) != null) sent.put(seq, new Sent(seq, at));
    }

    void forget(long seq) {
      sent.remove(seq);
    }

    /** The request with slot {@code seq} was answered at {@code at}, with no count of what is left. */
    void answered(long seq, Instant at) {
      Sent r = sent.get(seq);
      if (r != null) r.answeredAt = at;
    }

    private Slot slot(long seq, Instant now, double paceBelow, String backend, String model) {
      if (paceBelow <= 0 || remaining == null || !refill.isAfter(now)) return new Slot(seq, Duration.ZERO, null);
      long left = remaining - unseen(seq);
      long threshold = limit == null ? 1 : Math.max(1, (long) Math.floor(limit * paceBelow));
      if (left > threshold) return new Slot(seq, Duration.ZERO, null);
      Instant slot;
      String how;
      if (left <= 0) {
        // the spacing of the old window ends with it; the new one's is learnt from the answers after the refill
        slot = refill.plus(REFILL_MARGIN);
        how = "none left: it waits for the refill";
      } else {
        Duration spacing = Duration.between(now, refill).dividedBy(left);
        slot = max(now, nextSlot);
        nextSlot = slot.plus(spacing);
        how = "the rest are spread over the " + Duration.between(now, refill).toMillis() + " ms until the refill";
      }
      Duration wait = Duration.between(now, slot);
      if (wait.isNegative() || wait.isZero()) return new Slot(seq, Duration.ZERO, null);
      return new Slot(seq, wait, "backend '" + backend + "' has " + Math.max(0, left) + (limit == null ? "" : " of " + limit)
          + " requests left for " + model + " until " + refill + "; " + how + ", so this request waits " + wait.toMillis() + " ms");
    }

    /**
     * How many requests handed out before {@code seq} may reach the backend after the reported one: those sent after
     * it, and those sent just before it whose answer has not said otherwise ({@link #CROSSING}).
     */
    private long unseen(long seq) {
      if (reportSentAt == null) return seq - 1 - reportSeq;
      return sent.size();
    }

    void report(RateBudget.Limit requests, long seq, long counted) {
      Sent self = sent.get(seq);
      Instant at = self == null ? null : self.at;
      // an older answer that arrives late says less than the newest one: older by when it was sent, when known (a
      // request no longer listed was sent before the last report, or is not this gateway's: older either way)
      if (reportSentAt != null ? self == null || !self.after(reportSentAt, reportSeq) : seq < reportSeq) {
        // unless it says less is left than the newest report of the same window did: then the two crossed on the way
        // (it went first but reached the backend after, on a slower connection), and the backend's count includes the
        // newest one's request too; what it says stands, as of the newest one, so no request is counted as seen twice
        if (remaining != null && requests.remaining() < remaining
            && Math.abs(Duration.between(refill, requests.resetsAt()).toMillis()) < SAME_WINDOW_MS) {
          remaining = requests.remaining();
        }
        // either way the count now holds it: the newest report's, or its own that replaced it
        forget(seq);
        return;
      }
      reportSeq = seq;
      reportSentAt = at;
      if (at != null) {
        // counted in this report: every request sent before it that was answered before it went, or went long enough
        // before it; one that went just before it and is still unanswered may reach the backend after it
        Instant surelyFirst = at.minus(CROSSING);
        sent.values().removeIf(r -> r == self || !r.after(self.at, self.seq)
            && (r.at.isBefore(surelyFirst) || r.answeredAt != null && r.answeredAt.isBefore(self.at)));
      }
      reportCounted = counted;
      remaining = requests.remaining();
      limit = requests.limit();
      refill = requests.resetsAt();
    }

    /** A request's slot number, when it goes to the backend, and when it was answered with no count (else null). */
    private static final class Sent {
      final long seq;
      final Instant at;
      Instant answeredAt;

      Sent(long seq, Instant at) {
        this.seq = seq;
        this.at = at;
      }

      /** Whether it goes to the backend after the request numbered {@code seq} sent at {@code at}. */
      boolean after(Instant at, long seq) {
        int c = this.at.compareTo(at);
        return c > 0 || (c == 0 && this.seq > seq);
      }
    }

    private static Instant max(Instant a, Instant b) {
      return a.isAfter(b) ? a : b;
    }
  }
}
