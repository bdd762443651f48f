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
 */
public record Workload(String name, Protocol protocol, boolean stream, int concurrency, int replyWords,
                       long chunkDelayMs, FaultMix faults, int sessionTurns) {
  public Workload {
    if (sessionTurns < 0) throw new IllegalArgumentException("sessionTurns must not be negative");
    if (sessionTurns > 0 && (stream || faults != null)) {
      throw new IllegalArgumentException("session workloads are non-stream and without faults");
    }
  }

  public Workload(String name, Protocol protocol, boolean stream, int concurrency, int replyWords, long chunkDelayMs,
                  FaultMix faults) {
    this(name, protocol, stream, concurrency, replyWords, chunkDelayMs, faults, 0);
  }

  public boolean sessions() {
    return sessionTurns > 0;
  }

  public Workload withConcurrency(int c) {
    return new Workload(name, protocol, stream, c, replyWords, chunkDelayMs, faults, sessionTurns);
  }

  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append(protocol.id()).append(stream ? " stream" : " non-stream").append(", ")
        .append(concurrency).append(concurrency == 1 ? " connection" : " connections")
        .append(", ").append(replyWords).append(" words");
    if (stream && chunkDelayMs > 0) s.append(" paced ").append(chunkDelayMs).append(" ms");
    if (sessions()) {
      s.append("; one session per connection, each request continuing it (history + answer + new user message), ")
          .append("a new session id after ").append(sessionTurns).append(" turns");
    }
    if (faults != null) s.append("; gateway side: ").append(faults.describe());
    return s.toString();
  }
}
