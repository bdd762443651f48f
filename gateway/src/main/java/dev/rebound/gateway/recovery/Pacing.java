package dev.rebound.gateway.recovery;

import dev.rebound.gateway.failure.RateBudget;
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
 * left, the next slot is the refill. Per backend and model, in this gateway; thread-safe.
 */
public final class Pacing {
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
  public record Slot(long seq, Duration delay, String why) {}

  public Pacing(Clock clock, double paceBelow) {
    this.clock = clock;
    this.paceBelow = paceBelow;
  }

  /** The slot of the next request to {@code model} on {@code backend}. */
  public Slot take(String backend, String model) {
    Lane lane = lanes.computeIfAbsent(backend + '\u0000' + model, k -> new Lane());
    synchronized (lane) {
      return lane.take(clock.instant(), paceBelow, backend, model);
    }
  }

  /** What the answer to the request with slot {@code seq} said of the backend's limits. */
  public void reported(String backend, String model, RateBudget budget, long seq) {
    if (budget == null || paceBelow <= 0) return;
    RateBudget.Limit requests = null;
    for (RateBudget.Limit l : budget.limits()) if (l.name().equals("requests")) requests = l;
    if (requests == null || requests.remaining() == null || requests.resetsAt() == null) return;
    Lane lane = lanes.computeIfAbsent(backend + '\u0000' + model, k -> new Lane());
    synchronized (lane) {
      lane.report(requests, seq);
    }
  }

  private static final class Lane {
    private long handedOut;
    private long reportSeq;
    private Long remaining;
    private Long limit;
    private Instant refill;
    private Instant nextSlot = Instant.EPOCH;

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
