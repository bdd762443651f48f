package dev.rebound.gateway.recovery;

import dev.rebound.gateway.failure.RateBudget;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * {@link HealthShare}), the budget is theirs together: while plenty is left each gateway still hands out slots on its
 * own (no Redis on the way), but once a report says a lane is down to its shared level ({@code (n-1)/n} of the limit
 * with n gateways, at least the pace level: what the others may have sent unseen must still fit in what is left), the
 * lane is counted in Redis by every gateway until a minute after it refills ({@link PaceShare}: each slot and each
 * report is one script call there), so the spacing and the count of requests sent since a report are the same for
 * all. A gateway reckons a lane down as soon as its own requests since its last report, as many again from each other
 * gateway, would bring it there. The gateway that sees a lane come down tells the others at once; Redis away, each
 * falls back to its own count.
 */
public final class Pacing {
  /**
   * How long after its refill a lane that came down stays counted with the other gateways: a budget that ran low is
   * contended, and the burst after a refill is where the gateways would overrun it each counting alone.
   */
  static final Duration SHARED_AFTER_REFILL = Duration.ofSeconds(60);
  /** How much later than the reported refill a request goes, for clocks that differ a little. */
  private static final Duration REFILL_MARGIN = Duration.ofMillis(50);

  private final Clock clock;
  private final double paceBelow;
  private final ConcurrentMap<String, Lane> lanes = new ConcurrentHashMap<>();

  /**
   * @param seq  this request's place among the requests to its backend and model (an answer's report refers to it)
   * @param delay how long it waits before it is sent; zero when it goes at once
   * @param why  the reason, when it waits
   */
  public record Slot(long seq, Duration delay, String why, boolean shared) {
    public Slot(long seq, Duration delay, String why) {
      this(seq, delay, why, false);
    }
  }

  /** A budget lane counted where every gateway on the same Redis counts it ({@link PaceShare}). */
  public interface Shared {
    /** How many gateways share the budgets now, this one included (1: alone, nothing is shared). */
    int gateways();

    /**
     * A slot of the shared lane; fails when the shared count cannot be reached (the caller counts alone).
     *
     * @param known what this gateway reckons is left (its last report less its own requests since), for a lane that
     *              Redis has not heard of yet; null when it knows nothing
     */
    Future<Slot> take(String backend, String model, Instant now, double paceBelow, Known known);

    /** What the answer to a request said; {@code seq} is its shared slot, 0 when the slot was this gateway's own. */
    void reported(String backend, String model, long seq, RateBudget.Limit requests, Instant now);

    /** This gateway saw the lane come down to its shared level: the others count it in Redis too, until {@code until}. */
    void lowered(String backend, String model, Instant until);
  }

  /** What one gateway reckons is left of a lane until its refill. */
  public record Known(long left, Long limit, Instant refill) {}

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
    Lane lane = lane(backend, model);
    Instant now = clock.instant();
    int gateways = s.gateways();
    if (gateways < 2) return Future.succeededFuture(take(backend, model));
    boolean low;
    boolean lowered = false;
    Known known = null;
    synchronized (lane) {
      low = lane.sharedUntil.isAfter(now);
      if (lane.remaining != null && lane.refill.isAfter(now)) {
        long sent = lane.handedOut - lane.reportSeq;
        known = new Known(lane.remaining - sent, lane.limit, lane.refill);
        // the others may have sent as many since this gateway's last report, unseen until their news arrives
        if (!low && lane.remaining - gateways * sent <= sharedLevel(lane.limit, gateways)) {
          low = lowered = true;
          lane.sharedUntil = lane.refill.plus(SHARED_AFTER_REFILL);
        }
      }
    }
    if (lowered) s.lowered(backend, model, known.refill().plus(SHARED_AFTER_REFILL));
    if (!low) return Future.succeededFuture(take(backend, model));
    return s.take(backend, model, now, paceBelow, known).recover(err -> Future.succeededFuture(take(backend, model)));
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
    Lane lane = lanes.get(backend + '\u0000' + model);
    if (lane == null) return false;
    synchronized (lane) {
      return lane.sharedUntil.isAfter(clock.instant());
    }
  }

  private Lane lane(String backend, String model) {
    return lanes.computeIfAbsent(backend + '\u0000' + model, k -> new Lane());
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
    reported(backend, model, budget, new Slot(seq, Duration.ZERO, null, false));
  }

  /** What the answer to the request given {@code slot} said of the backend's limits. */
  public void reported(String backend, String model, RateBudget budget, Slot slot) {
    if (budget == null || paceBelow <= 0) return;
    RateBudget.Limit requests = null;
    for (RateBudget.Limit l : budget.limits()) if (l.name().equals("requests")) requests = l;
    if (requests == null || requests.remaining() == null || requests.resetsAt() == null) return;
    Lane lane = lane(backend, model);
    Shared s = shared;
    Instant now = clock.instant();
    boolean wasLow;
    boolean low;
    synchronized (lane) {
      // a shared slot's number is Redis's, not this lane's: the report stands as of everything handed out here
      lane.report(requests, slot.shared() ? lane.handedOut : slot.seq());
      wasLow = lane.sharedUntil.isAfter(now);
      low = s != null && s.gateways() > 1 && requests.resetsAt().isAfter(now)
          && requests.remaining() <= sharedLevel(requests.limit(), s.gateways());
      Instant until = requests.resetsAt().plus(SHARED_AFTER_REFILL);
      if (low && until.isAfter(lane.sharedUntil)) lane.sharedUntil = until;
    }
    if (s == null) return;
    if (low || wasLow || slot.shared()) s.reported(backend, model, slot.shared() ? slot.seq() : 0, requests, now);
    if (low && !wasLow) s.lowered(backend, model, requests.resetsAt().plus(SHARED_AFTER_REFILL));
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
    private Long remaining;
    private Long limit;
    private Instant refill;
    private Instant nextSlot = Instant.EPOCH;
    /** Until when this lane is counted in Redis with the other gateways (its refill, once it came down). */
    private Instant sharedUntil = Instant.EPOCH;

    Slot take(Instant now, double paceBelow, String backend, String model) {
      long seq = ++handedOut;
      if (paceBelow <= 0 || remaining == null || !refill.isAfter(now)) return new Slot(seq, Duration.ZERO, null);
      // the slots handed out after the reported request (this one not included) are not in its count yet
      long left = remaining - (seq - 1 - reportSeq);
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

    void report(RateBudget.Limit requests, long seq) {
      // an older answer that arrives late says less than the newest one
      if (seq < reportSeq) return;
      reportSeq = seq;
      remaining = requests.remaining();
      limit = requests.limit();
      refill = requests.resetsAt();
    }

    private static Instant max(Instant a, Instant b) {
      return a.isAfter(b) ? a : b;
    }
  }
}
