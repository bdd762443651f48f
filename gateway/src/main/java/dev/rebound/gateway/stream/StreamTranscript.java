package dev.rebound.gateway.stream;

import java.util.ArrayList;

/**
 * What the client has received so far of one streamed answer: enough to decide whether a cut stream can be continued,
 * to build the continuation request, and to splice the continuation in. Each wire format reads its own events into
 * one ({@code WireFormat.transcript}); this class holds what every format's transcript knows.
 *
 * <p>Not thread-safe: one instance per streamed answer, fed from the connection's event loop. After a continuation,
 * keep observing the spliced events ({@link StreamSplicer#spliceEvents}) so a second cut can be continued too.
 *
 * <p>Most of a stream is text that only a cut ever asks for, so a format may {@link #defer} reading such events: they
 * are kept as they are (ranges of the upstream's reads, no copy) and read in order when something that depends on them
 * is asked, or when they pass {@link #MAX_DEFERRED_BYTES}. What a finished stream is asked for on every request (its
 * end, its usage) a format keeps current without them.
 */
public abstract class StreamTranscript {
  /**
   * The bytes of deferred events a transcript holds before it reads them: a short answer is never read, a long one is
   * read in batches, and a stream holds at most this much (plus its last upstream read) for it.
   */
  public static final int MAX_DEFERRED_BYTES = 8 * 1024;

  private final StringBuilder text = new StringBuilder();
  private ArrayList<SseEvent> deferred;
  private int deferredBytes;
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
    catchUp();
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
    if (!complete) catchUp();
    return complete;
  }

  /** At least one content delta (text, refusal, reasoning, thinking or tool call) reached the client. */
  public boolean hasContent() {
    if (!hasContent) catchUp();
    return hasContent;
  }

  public String responseId() {
    catchUp();
    return responseId;
  }

  public String model() {
    catchUp();
    return model;
  }

  /**
   * The stop reason the client received, null while none. When it is set but {@link #complete()} is not, the answer is
   * whole and only the stream's tail is missing: the gateway can end the stream itself instead of asking for more.
   */
  public String stopReason() {
    catchUp();
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
    catchUp();
    return (text.length() + 3) / 4;
  }

  // --- what a format's transcript records as it reads its events

  /**
   * Keeps {@code e} to be read later by {@link #readDeferred}, in order with the other deferred events, before anything
   * that depends on them is answered. Only for events whose reading changes nothing but what this class's getters
   * catch up on and the format's own state that it catches up on itself ({@link #catchUp()}); never the usage.
   */
  protected final void defer(SseEvent e) {
    if (deferred == null) deferred = new ArrayList<>();
    deferred.add(e);
    deferredBytes += e.size();
    if (deferredBytes > MAX_DEFERRED_BYTES) catchUp();
  }

  /** Reads an event {@link #defer} kept, as if it were being observed now. */
  protected void readDeferred(SseEvent e) {
    throw new IllegalStateException(getClass().getSimpleName() + " defers no events");
  }

  /** Reads every deferred event, in order. A format calls it before it answers from state they may change. */
  protected final void catchUp() {
    ArrayList<SseEvent> events = deferred;
    if (events == null) return;
    // detached first: reading them appends text, which catches up too
    deferred = null;
    deferredBytes = 0;
    for (SseEvent e : events) readDeferred(e);
  }

  /** The bytes of the events deferred and not read yet. */
  public final int deferredBytes() {
    return deferredBytes;
  }

  protected final void identify(String responseId, String model) {
    this.responseId = responseId;
    this.model = model;
  }

  /** Assistant text reached the client. */
  protected final void appendText(String more) {
    catchUp(); // deferred text comes before this
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
