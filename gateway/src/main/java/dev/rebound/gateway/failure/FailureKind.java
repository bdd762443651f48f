package dev.rebound.gateway.failure;

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

  /** Status for the client's protocol: Anthropic clients expect 529 for overload (their SDKs retry on it). */
  public int statusFor(boolean anthropic) {
    return anthropic && this == OVERLOADED ? 529 : downstreamStatus;
  }

  /**
   * The backend will take the request once it has capacity again (a throttle, an overload, a server that is not
   * listening yet): a request with no other agent keeps trying past its attempts, within its wait budget, as a client
   * with retries of its own would going direct.
   */
  public boolean outlastable() {
    return this == RATE_LIMITED || this == OVERLOADED || this == CONNECT;
  }

  /** Whether a server-supplied wait means anything for this kind; for the others the request must change. */
  boolean waitMatters() {
    return switch (this) {
      case CONTEXT_OVERFLOW, OUTPUT_LIMIT, INVALID_REQUEST, AUTH, NO_ROUTE -> false;
      default -> true;
    };
  }
}
