package dev.rebound.gateway.stream;

/**
 * What the client has received so far of one streamed answer: enough to decide whether a cut stream can be continued,
 * to build the continuation request, and to splice the continuation in. Each wire format reads its own events into
 * one ({@code WireFormat.transcript}); this class holds what every format's transcript knows.
 *
 * <p>Not thread-safe: one instance per streamed answer, fed from the connection's event loop. After a continuation,
 * keep observing the spliced events ({@link StreamSplicer#spliceEvents}) so a second cut can be continued too.
 */
public abstract class StreamTranscript {
  private final StringBuilder text = new StringBuilder();
  private String responseId;
  private String model;
  private String stopReason;
  private boolean usageSeen;
  private TokenUsage usage = TokenUsage.NONE;
  private boolean hasContent;
  private boolean complete;

  /** Call for each event that was relayed to the client, in order. */
  public abstract void observe(SseEvent e);

  /**
   * Call when the upstream response ended normally (no reset, no timeout): a format whose servers may close the stream
   * without its end marker after the stop reason (some OpenAI-compatible ones do) then counts it as complete.
   */
  public void markEndedCleanly() {}

  /** The assistant text so far, what a continuation goes on from (the first choice only, where there are several). */
  public String partialText() {
    return text.toString();
  }

  /** A tool call has started and the stream has not completed it: its arguments are half-sent, so no continuation. */
  public abstract boolean toolCallInProgress();

  /**
   * A splicer for a continuation of the stream as it stands now: it rewrites the continuation's events, by this
   * stream's format, so the client reads them as the rest of this stream.
   */
  public abstract StreamSplicer splicer();

  /** The stream's end marker reached the client. */
  public boolean complete() {
    return complete;
  }

  /** At least one content delta (text, refusal, reasoning, thinking or tool call) reached the client. */
  public boolean hasContent() {
    return hasContent;
  }

  public String responseId() {
    return responseId;
  }

  public String model() {
    return model;
  }

  /**
   * The stop reason the client received, null while none. When it is set but {@link #complete()} is not, the answer is
   * whole and only the stream's tail is missing: the gateway can end the stream itself instead of asking for more.
   */
  public String stopReason() {
    return stopReason;
  }

  /** A usage report was seen where the format sends it last on request (OpenAI's stream_options.include_usage). */
  public boolean usageSeen() {
    return usageSeen;
  }

  /** The tokens the stream reported so far. */
  public TokenUsage usage() {
    return usage;
  }

  /**
   * The whole answer the stream's end carried, where the format's terminal event holds one (Responses:
   * {@code response.completed} carries the response object); null otherwise, or before the end.
   */
  public com.fasterxml.jackson.databind.JsonNode answer() {
    return null;
  }

  /** Rough output size: characters/4 of {@link #partialText()}, for lowering max_tokens of a continuation. */
  public int outputTokensEstimate() {
    return (text.length() + 3) / 4;
  }

  // --- what a format's transcript records as it reads its events

  protected final void identify(String responseId, String model) {
    this.responseId = responseId;
    this.model = model;
  }

  /** Assistant text reached the client. */
  protected final void appendText(String more) {
    text.append(more);
    hasContent = true;
  }

  protected final void contentSeen() {
    hasContent = true;
  }

  protected final void stopped(String reason) {
    stopReason = reason;
  }

  protected final void reported(TokenUsage usage) {
    this.usage = usage;
  }

  protected final void usageReportSeen() {
    usageSeen = true;
  }

  protected final void ended() {
    complete = true;
  }
}
