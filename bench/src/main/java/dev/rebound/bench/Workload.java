package dev.rebound.bench;

/**
 * One load shape inside a scenario, run against both targets.
 *
 * @param name         e.g. {@code openai}; the report shows {@code scenario/name}
 * @param replyWords   words in each answer ({@code x-mock-reply-words}); a stream sends one chunk per word
 * @param chunkDelayMs pacing between streamed chunks ({@code x-mock-chunk-delay-ms})
 * @param faults       faults for the gateway's requests (the direct baseline runs without); null for none
 * @param sessionTurns 0: every request is the same one-message chat. N > 0: each connection keeps a
 *                     {@link Conversation} of at most N turns, every request continuing it (history + the answer +
 *                     a new user message); through the gateway under {@code /s/<session id>/}. Non-stream only.
 * @param contextTokens 0: the small one-message chat. N > 0: each request is one of a few conversations of about N
 *                     tokens plus a new last question ({@link LargeConversations}), for {@link #LARGE_CONTEXT_MODEL},
 *                     which the gateway must cut to its 32k window while mock-llm would take it whole.
 */
public record Workload(String name, Protocol protocol, boolean stream, int concurrency, int replyWords,
                       long chunkDelayMs, FaultMix faults, int sessionTurns, int contextTokens) {
  /** The model large-context requests name: a 32k window in the gateway's config, 200k in the mock's. */
  public static final String LARGE_CONTEXT_MODEL = "bench-32k";

  public Workload {
    if (sessionTurns < 0) throw new IllegalArgumentException("sessionTurns must not be negative");
    if (contextTokens < 0) throw new IllegalArgumentException("contextTokens must not be negative");
    if (contextTokens > 0 && (sessionTurns > 0 || faults != null)) {
      throw new IllegalArgumentException("large-context workloads are without sessions and faults");
    }
    if (sessionTurns > 0 && (stream || faults != null)) {
      throw new IllegalArgumentException("session workloads are non-stream and without faults");
    }
  }

  public Workload(String name, Protocol protocol, boolean stream, int concurrency, int replyWords, long chunkDelayMs,
                  FaultMix faults) {
    this(name, protocol, stream, concurrency, replyWords, chunkDelayMs, faults, 0, 0);
  }

  public Workload(String name, Protocol protocol, boolean stream, int concurrency, int replyWords, long chunkDelayMs,
                  FaultMix faults, int sessionTurns) {
    this(name, protocol, stream, concurrency, replyWords, chunkDelayMs, faults, sessionTurns, 0);
  }

  public boolean largeContext() {
    return contextTokens > 0;
  }

  public boolean sessions() {
    return sessionTurns > 0;
  }

  public Workload withConcurrency(int c) {
    return new Workload(name, protocol, stream, c, replyWords, chunkDelayMs, faults, sessionTurns, contextTokens);
  }

  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append(protocol.id()).append(stream ? " stream" : " non-stream").append(", ")
        .append(concurrency).append(concurrency == 1 ? " connection" : " connections")
        .append(", ").append(replyWords).append(" words");
    if (stream) s.append(chunkDelayMs > 0 ? " paced " + chunkDelayMs + " ms" : " written at once");
    if (sessions()) {
      s.append("; one session per connection, each request continuing it (history + answer + new user message), ")
          .append("a new session id after ").append(sessionTurns).append(" turns");
    }
    if (largeContext()) {
      s.append("; conversations of about ").append(contextTokens).append(" tokens for ").append(LARGE_CONTEXT_MODEL)
          .append(" (the gateway cuts them to its 32k window; the mock takes them whole)");
    }
    if (faults != null) s.append("; gateway side: ").append(faults.describe());
    return s.toString();
  }
}
