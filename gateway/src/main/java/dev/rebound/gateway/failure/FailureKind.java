package dev.rebound.gateway.failure;

import java.util.Locale;

/**
 * The one taxonomy of upstream failures. Every provider dialect is folded into these kinds by
 * {@link FailureClassifier}; recovery code reads only the attributes below, never provider text.
 *
 * <p>How the attributes were chosen:
 * <ul>
 *   <li>{@code retryable}: the same backend may succeed with the same request after a wait.
 *       True only for throttling, overload and upstream faults.</li>
 *   <li>{@code fallbackAvailable}: another agent may serve the request. False only when the request
 *       itself is wrong (every agent would reject it) or nothing is configured to serve it.</li>
 *   <li>{@code recoverability}: RECOVERABLE = the unchanged request can still succeed (later or elsewhere);
 *       DEGRADABLE = it succeeds only in a lesser way (smaller max_tokens, a bigger-context or other agent,
 *       this agent out for the day); FATAL = a human or the client has to change something.</li>
 *   <li>{@code severity}: how loudly operators should hear about it. Client mistakes are LOW; a broken
 *       credential takes an agent out until someone acts, so it is CRITICAL.</li>
 * </ul>
 */
public enum FailureKind {
  /** A throttle: the same agent serves the same request after the wait it names. */
  RATE_LIMITED("rate_limited", Severity.LOW, Recoverability.RECOVERABLE, Category.TRANSIENT,
      true, true, 429),
  /** The provider is out of capacity (Anthropic 529, "model is overloaded", model still loading). */
  OVERLOADED("overloaded", Severity.MEDIUM, Recoverability.RECOVERABLE, Category.TRANSIENT,
      true, true, 503),
  /** Billing stop or a daily quota: waiting seconds does not help, other agents can. */
  QUOTA_EXHAUSTED("quota_exhausted", Severity.HIGH, Recoverability.DEGRADABLE, Category.EXTERNAL,
      false, true, 429),
  /** The prompt alone does not fit this model's window; a bigger-context agent or trimming may. */
  CONTEXT_OVERFLOW("context_overflow", Severity.MEDIUM, Recoverability.DEGRADABLE, Category.PERMANENT,
      false, true, 400),
  /** The prompt fits but prompt + max_tokens does not: lowering max_tokens fixes it on the same agent. */
  OUTPUT_LIMIT("output_limit", Severity.LOW, Recoverability.DEGRADABLE, Category.PERMANENT,
      false, true, 400),
  /** The request itself is wrong; passing it on would multiply the same rejection. */
  INVALID_REQUEST("invalid_request", Severity.LOW, Recoverability.FATAL, Category.PERMANENT,
      false, false, 400),
  /** Bad or missing credentials of one agent: other agents have their own. */
  AUTH("auth", Severity.CRITICAL, Recoverability.FATAL, Category.CONFIGURATION,
      false, true, 401),
  /** The provider failed on its side (5xx, runner crash, error mid-stream). */
  SERVER_ERROR("server_error", Severity.HIGH, Recoverability.RECOVERABLE, Category.EXTERNAL,
      true, true, 502),
  TIMEOUT("timeout", Severity.MEDIUM, Recoverability.RECOVERABLE, Category.TRANSIENT,
      true, true, 504),
  /** No connection to the agent at all (refused, DNS, TLS). */
  CONNECT("connect", Severity.HIGH, Recoverability.RECOVERABLE, Category.EXTERNAL,
      true, true, 502),
  /** The stream ended early; only retryable while nothing has been sent downstream (the caller knows). */
  STREAM_CUT("stream_cut", Severity.MEDIUM, Recoverability.RECOVERABLE, Category.TRANSIENT,
      true, true, 502),
  /** Our own breaker refuses the agent: do not hammer it, route elsewhere. */
  CIRCUIT_OPEN("circuit_open", Severity.MEDIUM, Recoverability.RECOVERABLE, Category.TRANSIENT,
      false, true, 503),
  /** No agent is configured for the requested model: nothing to retry or fall back to. */
  NO_ROUTE("no_route", Severity.HIGH, Recoverability.FATAL, Category.CONFIGURATION,
      false, false, 404);

  public enum Severity { LOW, MEDIUM, HIGH, CRITICAL }

  public enum Recoverability { RECOVERABLE, DEGRADABLE, FATAL }

  public enum Category { TRANSIENT, PERMANENT, CONFIGURATION, EXTERNAL }

  private final String type;
  private final Severity severity;
  private final Recoverability recoverability;
  private final Category category;
  private final boolean retryable;
  private final boolean fallbackAvailable;
  private final int downstreamStatus;

  // Constructor arguments: type, severity, recoverability, category, retryable, fallbackAvailable, downstreamStatus.
  FailureKind(String type, Severity severity, Recoverability recoverability, Category category,
              boolean retryable, boolean fallbackAvailable, int downstreamStatus) {
    this.type = type;
    this.severity = severity;
    this.recoverability = recoverability;
    this.category = category;
    this.retryable = retryable;
    this.fallbackAvailable = fallbackAvailable;
    this.downstreamStatus = downstreamStatus;
  }

  public String type() { return type; }

  public Severity severity() { return severity; }

  public Recoverability recoverability() { return recoverability; }

  public Category category() { return category; }

  public boolean retryable() { return retryable; }

  public boolean fallbackAvailable() { return fallbackAvailable; }

  /** Status returned to our client when the gateway gives up, independent of the client protocol. */
  public int downstreamStatus() { return downstreamStatus; }

  /**
   * The backend will take the request once it has capacity again (a throttle, an overload, a server that is not
   * listening yet): a request with no other agent keeps trying past its attempts, within its wait budget, as a client
   * with retries of its own would going direct.
   */
  public boolean outlastable() {
    return this == RATE_LIMITED || this == OVERLOADED || this == CONNECT;
  }

  /**
   * Whether the failure says the backend is unwell, so it counts toward its breaker: a 5xx, an overload, a timeout,
   * a refused connection. Every other kind is the backend answering (a throttle, a quota stop, a rejected request)
   * and counts as a sign of life. A cut stream is not counted: it is continued, and counting cuts would let a few
   * dropped connections take a whole backend out.
   */
  public boolean countsTowardBreaker() {
    return switch (this) {
      case SERVER_ERROR, OVERLOADED, TIMEOUT, CONNECT -> true;
      default -> false;
    };
  }

  /**
   * Nothing answered at all (a refused connection): a breaker probe that finds the backend still unreachable cost it
   * nothing, so the next probe is not put off and a restarted server is found within seconds.
   */
  public boolean unreachable() {
    return this == CONNECT;
  }

  /**
   * The backend said it has no capacity for a while: it cools down (routing sends work elsewhere first) for the
   * failure's retryAfter; a quota stop without one cools for the breaker's reset timeout, since its refill is hours
   * away and unknown. See {@link Failure#cooldown(java.time.Duration)}.
   */
  public boolean coolsBackend() {
    return this == RATE_LIMITED || this == QUOTA_EXHAUSTED || this == OVERLOADED;
  }

  /**
   * A client that gets this failure is told when to try again (Retry-After): the cause passes with time (a throttle,
   * an overload, a quota refill, Rebound's own breaker probing again). For the other kinds waiting does not help.
   */
  public boolean tellsClientWhenToRetry() {
    return this == RATE_LIMITED || this == OVERLOADED || this == QUOTA_EXHAUSTED || this == CIRCUIT_OPEN;
  }

  /**
   * The request does not fit the model's window (the prompt alone, or the prompt with max_tokens): the same request
   * fails on this agent however long one waits, but a refitted context (cut or summarized) or a larger window may not.
   */
  public boolean overflowsWindow() {
    return this == CONTEXT_OVERFLOW || this == OUTPUT_LIMIT;
  }

  /**
   * How a recovery from this kind is named in x-rebound-recovery and metrics ({@code retried-after-429}): the names
   * operators already know for the common ones, the kind's name in kebab case for the rest.
   */
  public String recoveryLabel() {
    return switch (this) {
      case RATE_LIMITED -> "429";
      case OVERLOADED -> "overloaded";
      case STREAM_CUT -> "cut";
      default -> name().toLowerCase(Locale.ROOT).replace('_', '-');
    };
  }

  /** Whether a server-supplied wait means anything for this kind; for the others the request must change. */
  boolean waitMatters() {
    return switch (this) {
      case CONTEXT_OVERFLOW, OUTPUT_LIMIT, INVALID_REQUEST, AUTH, NO_ROUTE -> false;
      default -> true;
    };
  }
}
