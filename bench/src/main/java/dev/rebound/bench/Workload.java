package dev.rebound.bench;

/**
 * One load shape inside a scenario, run against both targets.
 *
 * @param name         e.g. {@code openai}; the report shows {@code scenario/name}
 * @param replyWords   words in each answer ({@code x-mock-reply-words}); a stream sends one chunk per word
 * @param chunkDelayMs pacing between streamed chunks ({@code x-mock-chunk-delay-ms})
 * @param faults       faults for the gateway's requests (the direct baseline runs without); null for none
 */
public record Workload(String name, Protocol protocol, boolean stream, int concurrency, int replyWords,
                       long chunkDelayMs, FaultMix faults) {
  public Workload withConcurrency(int c) {
    return new Workload(name, protocol, stream, c, replyWords, chunkDelayMs, faults);
  }

  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append(protocol.id()).append(stream ? " stream" : " non-stream").append(", ")
        .append(concurrency).append(concurrency == 1 ? " connection" : " connections")
        .append(", ").append(replyWords).append(" words");
    if (stream && chunkDelayMs > 0) s.append(" paced ").append(chunkDelayMs).append(" ms");
    if (faults != null) s.append("; gateway side: ").append(faults.describe());
    return s.toString();
  }
}
