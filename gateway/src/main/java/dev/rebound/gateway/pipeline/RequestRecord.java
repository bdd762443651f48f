package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.reply.ReplyObserver;
import dev.rebound.gateway.stream.TokenUsage;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one client request did, gathered as it goes, for its events and its metrics. Every event the request emits goes
 * through here and leaves with the request's id; on the way, the record notes the agent the request went to last, its
 * first failure that another attempt could fix, and whether it gave up. The reply notes when the first token went out
 * and what usage the answer reported.
 *
 * <p>Not thread-safe, and needs not be: a request is served on one event loop, and so are the events it emits.
 */
public final class RequestRecord implements EventSink, ReplyObserver {
  private final String id;
  private final EventSink next;
  private final Clock clock;
  private final long startNanos = System.nanoTime();
  private String agent;
  private String backend;
  private FailureKind firstFailure;
  private long firstFailureNanos;
  private FailureKind gaveUp;
  private long firstTokenNanos;
  private boolean answered;
  private Supplier<TokenUsage> usage = () -> TokenUsage.NONE;
  private java.util.function.Consumer<GatewayEvent> riskyStep;

  /** @param clock the time each of the request's decisions is stamped with */
  public RequestRecord(String id, EventSink next, Clock clock) {
    this.id = id;
    this.next = next;
    this.clock = clock;
  }

  /** The one way a step reports a decision about its request: stamped with the time, tenant, session and request id. */
  void emit(EventType type, String tenant, String sessionId, String reason, Map<String, Object> fields, boolean warning) {
    GatewayEvent e = new GatewayEvent(clock.instant(), type, tenant, sessionId, reason, fields);
    emit(warning ? e.asWarning() : e);
  }

  @Override
  public void emit(GatewayEvent event) {
    GatewayEvent e = event.requestId() == null ? event.forRequest(id) : event;
    note(e);
    next.emit(e);
  }

  private void note(GatewayEvent e) {
    switch (e.type()) {
      case FAILURE -> {
        attempted(e);
        FailureKind kind = kind(e);
        if (firstFailure == null && kind != null && (kind.retryable() || kind.fallbackAvailable())) {
          firstFailure = kind;
          firstFailureNanos = System.nanoTime();
        }
      }
      case ANSWERED -> {
        attempted(e);
        answered = true;
      }
      case CLIENT_GONE -> attempted(e);
      case GIVE_UP -> {
        attempted(e);
        gaveUp = kind(e);
      }
      case WAIT, RETRY, FALLBACK -> {
        if (riskyStep != null) riskyStep.accept(e);
      }
      default -> {
        // the other decisions change nothing the request's metrics count
      }
    }
  }

  private void attempted(GatewayEvent e) {
    if (e.fields().get("agent") instanceof String a) agent = a;
    if (e.fields().get("backend") instanceof String b) backend = b;
  }

  private static FailureKind kind(GatewayEvent e) {
    if (!(e.fields().get("kind") instanceof String k)) return null;
    try {
      return FailureKind.valueOf(k);
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }

  /** Told of each step that tries the request again (a wait before a retry, a retry, a fallback): the session's journal. */
  void onRiskyStep(java.util.function.Consumer<GatewayEvent> watcher) {
    this.riskyStep = watcher;
  }

  /** The reply sent its first token (a stream's first content). */
  @Override
  public void firstToken() {
    if (firstTokenNanos == 0) firstTokenNanos = System.nanoTime();
  }

  /** Where the answer's usage is read from when the request ends (a stream's transcript). */
  @Override
  public void usage(Supplier<TokenUsage> source) {
    this.usage = source;
  }

  public String id() {
    return id;
  }

  public long startNanos() {
    return startNanos;
  }

  /** The agent of the last attempt; null when none was made. */
  public String agent() {
    return agent;
  }

  public String backend() {
    return backend;
  }

  /** The first failure another attempt could have fixed; null when there was none. */
  public FailureKind firstFailure() {
    return firstFailure;
  }

  public long firstFailureNanos() {
    return firstFailureNanos;
  }

  /** The kind the request gave up with; null when it did not. */
  public FailureKind gaveUp() {
    return gaveUp;
  }

  /** When the first token went out (System.nanoTime); 0 when none did. */
  public long firstTokenNanos() {
    return firstTokenNanos;
  }

  /**
   * Whether an attempt got the answer whole (reported by its ANSWERED event): then its tokens were spent, even when
   * the client left before the reply's end.
   */
  public boolean answered() {
    return answered;
  }

  public TokenUsage usage() {
    return usage.get();
  }
}
