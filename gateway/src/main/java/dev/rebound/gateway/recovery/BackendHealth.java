package dev.rebound.gateway.recovery;

import dev.rebound.gateway.config.ResilienceConfig;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.failure.RateBudget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Whether a backend should be sent work now: a circuit breaker and a rate-limit cooldown (the backend said when it has
 * capacity again). Time comes from the injected clock. Also what the backend last said is left of its rate limits.
 *
 * <p>The breaker protects the backend, it does not punish clients: failureThreshold failures within window open it;
 * the first probe goes after firstProbeAfter, and each failed probe doubles the wait up to resetTimeout (a blip is over
 * in seconds, a dead backend is asked rarely); halfOpenCalls probes that succeed close it. The same request failing
 * again counts once: a request that breaks the backend the same way each time says more about itself than about the
 * backend. Nor does it open on failures that all come from one tenant while the backend answers other tenants: those
 * follow that tenant's requests, and opening would fail everyone else for them. Callers with nowhere else to go wait
 * for {@link #nextProbeIn()} instead of failing.
 */
public final class BackendHealth {
  public enum State { CLOSED, OPEN, HALF_OPEN }

  /**
   * Who sent a request to the backend: its tenant, and what identifies the request itself (the same one failing again
   * counts once).
   */
  public record Caller(String tenant, Object request) {}

  /** A breaker state change, for events and metrics. */
  public record Transition(String backend, State from, State to, String reason) {}

  /**
   * What this gateway learned of the backend on its own, for the other gateways on the same store to hear
   * ({@link HealthShare}); what they tell this one is applied with the {@code heard*} methods and not passed on.
   */
  public interface Learned {
    Learned NONE = new Learned() {};

    default void cooled(String backend, Instant until) {}

    default void opened(String backend, Instant until, String why) {}

    default void closed(String backend) {}

    /**
     * The breaker may probe now: decide which gateway does, then call {@link #probeDecided(boolean, String)}. Until
     * then the breaker stays open. The default (no other gateway) lets this one probe at once.
     */
    default void mayProbe(BackendHealth health) {
      health.probeDecided(true, null);
    }
  }

  private volatile Learned learned = Learned.NONE;
  /** While open and due: whether this gateway asked to probe, and whether it may. */
  private boolean probeAsked;
  private boolean probeGranted;
  /** Why this gateway probes when the gateways did not settle it (said in the move to half-open); null: they did. */
  private String probeAlone;
  private Instant lastAnswer;
  /** When each tenant last had an answer from the backend (tenants are configured: a few). */
  private final Map<String, Instant> answered = new java.util.HashMap<>();

  private final String backend;
  private final ResilienceConfig.Breaker settings;
  private final Clock clock;
  private final Consumer<Transition> listener;
  /** How often a backend that refuses connections is probed while its breaker is open (a restart is found fast). */
  static final Duration UNREACHABLE_PROBE_EVERY = Duration.ofSeconds(1);

  private record Failed(Instant at, Object request) {}

  private final Deque<Failed> failures = new ArrayDeque<>();
  private int failedProbes;
  private State state = State.CLOSED;
  private Instant openUntil = Instant.MIN;
  private int probesInFlight;
  private int probeSuccesses;
  private Instant coolingUntil = Instant.MIN;
  private final java.util.concurrent.ConcurrentMap<String, RateBudget> budgets = new java.util.concurrent.ConcurrentHashMap<>();

  public BackendHealth(String backend, ResilienceConfig.Breaker settings, Clock clock, Consumer<Transition> listener) {
    this.backend = backend;
    this.settings = settings;
    this.clock = clock;
    this.listener = listener;
  }

  /** The answer to {@link #acquire()}: go ahead, or not now. */
  public sealed interface Permit {
    Permit GRANTED = new Granted();

    /**
     * Go ahead: the caller reports how it went with {@link #succeeded()}, {@link #failed(String, Object, boolean)} or
     * {@link #record(Failure, Object)}, or gives the permit back with {@link #released()}.
     */
    record Granted() implements Permit {}

    /**
     * Not now.
     *
     * @param reason      why, in words for events and the client ("circuit open until ...")
     * @param nextProbeIn how long until the breaker lets a probe through; null while the probes in flight decide, which
     *                    they do soon (as {@link #nextProbeIn()} when the permit was refused)
     */
    record Rejected(String reason, Duration nextProbeIn) implements Permit {}
  }

  /** Asks to send one request. */
  public synchronized Permit acquire() {
    Instant now = clock.instant();
    if (state == State.OPEN) {
      if (now.isBefore(openUntil)) return rejected("circuit open until " + openUntil);
      if (!probeGranted) {
        if (!probeAsked) {
          probeAsked = true;
          learned.mayProbe(this); // may answer at once (then probeGranted is set below us)
        }
        if (!probeGranted) return rejected("circuit open; the gateways are settling which one probes");
      }
      move(State.HALF_OPEN, "reset timeout passed; letting " + settings.halfOpenCalls() + " probe(s) through"
          + (probeAlone == null ? "" : " (" + probeAlone + ")"));
      probeAlone = null;
      probesInFlight = 0;
      probeSuccesses = 0;
    }
    if (state == State.HALF_OPEN) {
      if (probesInFlight >= settings.halfOpenCalls()) return rejected("circuit half-open and its probes are in flight");
      probesInFlight++;
    }
    return Permit.GRANTED;
  }

  /** Read under the same lock as the refusal, so the time to the next probe is the one that refused. */
  private Permit rejected(String reason) {
    return new Permit.Rejected(reason, nextProbeIn());
  }

  /**
   * What a failed attempt says about the backend: a failure of the backend's own counts toward its breaker (the
   * request named by {@code request} once, see {@link #failed(String, Object, boolean)}), any other is the backend
   * answering; a throttle, an overload or a quota stop also cools it down (see {@link Failure#cooldown(Duration)}).
   */
  public void record(Failure failure, Object request) {
    FailureKind kind = failure.kind();
    if (kind.countsTowardBreaker()) failed(kind.type() + ": " + failure.message(), request, kind.unreachable());
    else succeeded(request instanceof Caller c ? c.tenant() : null);
    Duration cool = failure.cooldown(settings.resetTimeout());
    if (cool != null) coolUntil(clock.instant().plus(cool));
  }

  /**
   * Whether the backend answered anything (an answer or an HTTP error) within {@code recently}: a backend that
   * refuses connections now but answered a moment ago is restarting, and worth waiting for; one that never answered
   * is misconfigured or gone, and the client should hear so at once.
   */
  public synchronized boolean answeredWithin(Duration recently) {
    return lastAnswer != null && !lastAnswer.isBefore(clock.instant().minus(recently));
  }

  public synchronized void succeeded() {
    succeeded(null);
  }

  /** The backend answered a request of {@code tenant} (null: unknown). */
  public synchronized void succeeded(String tenant) {
    lastAnswer = clock.instant();
    if (tenant != null) answered.put(tenant, lastAnswer);
    if (state == State.HALF_OPEN) {
      probesInFlight = Math.max(0, probesInFlight - 1);
      if (++probeSuccesses >= settings.halfOpenCalls()) {
        failures.clear();
        failedProbes = 0;
        move(State.CLOSED, probeSuccesses + " probe(s) succeeded");
      }
    }
  }

  /** A failure that says something about the backend's health (not the client's request). */
  public void failed(String why) {
    failed(why, null, false);
  }

  /**
   * As {@link #failed(String)}; {@code request} identifies the request (null: unknown), so that one request failing
   * again and again within the window counts once. {@code unreachable}: nothing answered at all (a refused
   * connection); a probe that finds the backend still unreachable cost it nothing, so the next one is not put off
   * (a server restarting is found within seconds of its return).
   */
  public synchronized void failed(String why, Object request, boolean unreachable) {
    Instant now = clock.instant();
    if (state == State.HALF_OPEN) {
      if (!unreachable) failedProbes++;
      open(now, "a probe failed: " + why, unreachable);
      return;
    }
    if (state == State.OPEN) return;
    Instant horizon = now.minus(settings.window());
    while (!failures.isEmpty() && failures.peekFirst().at().isBefore(horizon)) failures.removeFirst();
    if (request != null && failures.stream().anyMatch(f -> request.equals(f.request()))) return;
    failures.addLast(new Failed(now, request));
    if (failures.size() >= settings.failureThreshold() && !oneTenantsWhileOthersServed(now, unreachable)) {
      failedProbes = 0;
      open(now, failures.size() + " failures within " + settings.window().toSeconds() + " s, the last: " + why);
    }
  }

  /**
   * Whether every failure in the window is one tenant's answered failure (nothing listening is no request's doing)
   * while the backend answered another tenant within the window: its requests are served, the failures follow the
   * one tenant's. A second tenant failing too makes it the backend's.
   */
  private boolean oneTenantsWhileOthersServed(Instant now, boolean unreachable) {
    if (unreachable) return false;
    String only = null;
    for (Failed f : failures) {
      if (!(f.request() instanceof Caller c) || c.tenant() == null) return false;
      if (only == null) only = c.tenant();
      else if (!only.equals(c.tenant())) return false;
    }
    Instant horizon = now.minus(settings.window());
    for (Map.Entry<String, Instant> a : answered.entrySet()) {
      if (!a.getKey().equals(only) && !a.getValue().isBefore(horizon)) return true;
    }
    return false;
  }

  /**
   * How long until this backend takes a request again: zero when it does now, the time to the next probe while the
   * breaker is open, null while it is half-open with every probe in flight (their answers decide, soon).
   */
  public synchronized Duration nextProbeIn() {
    Instant now = clock.instant();
    if (state == State.OPEN && now.isBefore(openUntil)) return Duration.between(now, openUntil);
    if (state == State.OPEN && probeAsked && !probeGranted) return null;
    if (state == State.HALF_OPEN && probesInFlight >= settings.halfOpenCalls()) return null;
    return Duration.ZERO;
  }

  /** Gives back a permit that was not used (the attempt never reached the backend). */
  public synchronized void released() {
    if (state == State.HALF_OPEN) probesInFlight = Math.max(0, probesInFlight - 1);
  }

  public void coolUntil(Instant until) {
    if (heardCoolUntil(until)) learned.cooled(backend, until);
  }

  /** A cooldown another gateway saw (a 429 with a reset, a spent budget); true when it extends this one's. */
  public synchronized boolean heardCoolUntil(Instant until) {
    if (!until.isAfter(coolingUntil)) return false;
    coolingUntil = until;
    return true;
  }

  /** Another gateway's breaker for this backend opened until {@code until}: this one stays away as long. */
  public synchronized void heardOpened(Instant until, String why) {
    if (!until.isAfter(clock.instant()) || state == State.OPEN && !until.isAfter(openUntil)) return;
    openUntil = until;
    failures.clear();
    move(State.OPEN, "another gateway: " + why, false);
  }

  /** Another gateway's probes found the backend healthy. */
  public synchronized void heardClosed() {
    if (state == State.CLOSED) return;
    failures.clear();
    failedProbes = 0;
    move(State.CLOSED, "another gateway's probes succeeded", false);
  }

  /**
   * The answer to {@link Learned#mayProbe}: this gateway probes now, or another one does and this one stays away
   * a while longer (until it hears how the probe went, or asks again). Only the first answer to an ask counts.
   *
   * @param alone why this gateway probes without the others' say (their store did not answer); null when they agreed
   */
  public synchronized void probeDecided(boolean here, String alone) {
    if (state != State.OPEN || !probeAsked || probeGranted) return;
    if (here) {
      probeGranted = true;
      probeAlone = alone;
    } else {
      probeAsked = false;
      openUntil = clock.instant().plus(settings.firstProbeAfter());
    }
  }

  /** Whether the probes in flight, if any, are this gateway's (it is half-open here). */
  public synchronized boolean probing() {
    return state == State.HALF_OPEN;
  }

  /** Where what this gateway learns goes (set once at start). */
  public void share(Learned to) {
    this.learned = to == null ? Learned.NONE : to;
  }

  /** When the backend said it has capacity again; null when it is not cooling down. */
  public synchronized Instant coolingUntil() {
    return clock.instant().isBefore(coolingUntil) ? coolingUntil : null;
  }

  public synchronized State state() {
    if (state == State.OPEN && !clock.instant().isBefore(openUntil)) return State.HALF_OPEN;
    return state;
  }

  /** Records what the backend's last answer for {@code model} said is left of its rate limits (null: nothing). */
  public void budget(String model, RateBudget budget) {
    if (budget != null) budgets.put(model, budget);
  }

  /** The last rate-limit budget reported per model. */
  public Map<String, RateBudget> budgets() {
    return java.util.Collections.unmodifiableMap(budgets);
  }

  public String backend() {
    return backend;
  }

  private void open(Instant now, String why) {
    open(now, why, false);
  }

  /** @param unreachable the probe found nothing listening: asking again costs the backend nothing, so ask soon */
  private void open(Instant now, String why, boolean unreachable) {
    Duration wait = settings.firstProbeAfter().multipliedBy(1L << Math.min(failedProbes, 20));
    if (unreachable && wait.compareTo(UNREACHABLE_PROBE_EVERY) > 0) wait = UNREACHABLE_PROBE_EVERY;
    if (wait.compareTo(settings.resetTimeout()) > 0) wait = settings.resetTimeout();
    openUntil = now.plus(wait);
    failures.clear();
    move(State.OPEN, why + "; next probe in " + wait.toMillis() + " ms");
  }

  private void move(State to, String reason) {
    move(to, reason, true);
  }

  private void move(State to, String reason, boolean learnedHere) {
    State from = state;
    state = to;
    if (from == to) return;
    if (to != State.HALF_OPEN) {
      probeAsked = false;
      probeGranted = false;
    }
    listener.accept(new Transition(backend, from, to, reason));
    if (!learnedHere) return;
    if (to == State.OPEN) learned.opened(backend, openUntil, reason);
    else if (to == State.CLOSED) learned.closed(backend);
  }
}
