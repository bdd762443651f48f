package dev.rebound.gateway.reply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.upstream.StreamTarget;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one writer of the client's response, across all attempts of one request: commits the head once (the upstream's
 * headers that may cross, then the gateway's own {@link ReplyHeaders}), relays upstream events (spliced when a cut
 * answer is being continued), notices error events inside a stream, keeps a waiting streaming client alive, tells
 * whoever listens that the client went away, and answers every error in the client's wire format.
 */
public final class Reply implements StreamTarget {
  private final ReplyChannel resp;
  private final Vertx vertx;
  private final WireFormat format;
  private final boolean stream;
  private final Function<SseEvent, Failure> streamErrors;
  private final ReplyObserver observer;
  /** The whole answer {@link #usage} was read from. */
  private Buffer usageRead;
  private TokenUsage usage;
  private final StreamTranscript transcript;
  private AssistantMessageBuilder message;
  private Supplier<ReplyHeaders> headers = () -> null;
  private MultiMap upstreamHeaders = MultiMap.caseInsensitiveMultiMap();
  private StreamSplicer splicer;
  /** The response id the client already holds (a background job's): upstream events are renamed to it. */
  private String responseId;
  /** Events the client had before this run (a background job's earlier runs): the assistant message starts with them. */
  private java.util.List<SseEvent> resumed = java.util.List.of();
  private Failure streamFailure;
  private int eventsRelayed;
  private long keepAliveTimer = -1;
  private boolean committed;
  private Runnable onGone;
  /**
   * Inside one upstream read, its events are held and written together when it is done. Only true inside one
   * synchronous read handler, so nothing else (keep-alive, end) can run while events are held.
   */
  private boolean holding;
  /**
   * The held events: a run of them that lie next to each other in one array (those of one upstream read, as read) is
   * kept as that range and written without a copy; anything else goes into {@link #held}.
   */
  private SseEvent runStart;
  private SseEvent runEnd;
  private Buffer held;
  /**
   * While the assistant message is kept (a session stores it), the stream's end marker ([DONE], message_stop) waits
   * here until the turn is stored: a client that has seen the end may leave at once, and what it saw complete must
   * already be durable.
   */
  private SseEvent endMarker;
  /** The read being relayed carried the stream's end marker (no assistant message is kept; the channel coalesces). */
  private boolean endInRead;
  /**
   * A read that carried the end marker is not written at once: its upstream's end nearly always comes in the same read,
   * and {@link #end()} then sends both in one write (one syscall and one packet instead of two). If the end does not
   * come before the event loop's next task, the read goes out then.
   */
  private Buffer deferred;

  /**
   * @param streamErrors classifies an event that may be an error inside the stream; null when it is not one
   * @param request      the client's request (how many answers it asked for, OpenAI's n)
   */
  public Reply(HttpServerResponse resp, HttpConnection connection, Vertx vertx, WireFormat format, boolean stream,
      JsonNode request, Function<SseEvent, Failure> streamErrors, ReplyObserver observer) {
    this(new HttpReplyChannel(resp, connection), vertx, format, stream, request, streamErrors, observer);
  }

  /** A reply written to {@code channel}: a client's response, or a background job that records it. */
  public Reply(ReplyChannel resp, Vertx vertx, WireFormat format, boolean stream,
      JsonNode request, Function<SseEvent, Failure> streamErrors, ReplyObserver observer) {
    this.resp = resp;
    this.vertx = vertx;
    this.format = format;
    this.stream = stream;
    this.streamErrors = streamErrors;
    this.observer = observer;
    this.transcript = format.transcript(request);
    observer.usage(transcript::usage);
    resp.closeHandler(v -> {
      Runnable r = onGone;
      onGone = null;
      if (r != null) r.run();
    });
  }

  /** The gateway's headers, read when the head goes out (so they say what happened up to that moment). */
  public void headers(Supplier<ReplyHeaders> headers) {
    this.headers = headers;
  }

  /**
   * Rebuilds the assistant message from the events as they pass (a session stores it) and holds the stream's end
   * marker until {@link #end()}; without it, events are relayed and not parsed beyond what the transcript needs.
   */
  public void keepAssistantMessage() {
    if (message == null) {
      message = format.messageBuilder();
      resumed.forEach(message::observe);
    }
  }

  /**
   * The client already has these events of the answer (a background job whose earlier run was stopped mid-output):
   * they count as relayed, the transcript reads them, and from the first upstream event on, the answer is spliced onto
   * them as the engine splices a continuation of a cut stream (same response and item ids, sequence numbers going on).
   */
  public void resumeAfter(java.util.List<SseEvent> sent) {
    if (sent.isEmpty()) return;
    resumed = java.util.List.copyOf(sent);
    for (SseEvent e : resumed) {
      transcript.observe(e);
      if (message != null) message.observe(e);
      if (!e.isComment()) eventsRelayed++;
    }
    continueWith(transcript.splicer());
  }

  /**
   * Runs {@code then} once if the client goes away (replacing what was set before); null clears it. A client already
   * gone (it left while an earlier step ran) runs it at once: its close was heard before anyone listened.
   */
  @Override
  public void whenGone(Runnable then) {
    this.onGone = then;
    if (then != null && resp.closed()) {
      onGone = null;
      then.run();
    }
  }

  /** Whether the client's connection is gone (nothing written now reaches it). */
  public boolean gone() {
    return resp.closed();
  }

  public boolean started() {
    return deferred != null || resp.headWritten() || resp.ended();
  }

  /**
   * The client already holds this response's id (a background job's): every upstream event that carries a response
   * object is given it before anyone reads it, so the transcript, the stored turn and the client all see one id.
   */
  public void respondAs(String id) {
    this.responseId = id;
  }

  /** From now on, upstream events are the continuation of what the client already has. */
  public void continueWith(StreamSplicer splicer) {
    this.splicer = splicer;
    this.streamFailure = null;
  }

  public StreamTranscript transcript() {
    return transcript;
  }

  /** Whether any upstream event reached the client (a keep-alive alone does not count). */
  public boolean eventsRelayed() {
    return eventsRelayed > 0;
  }

  /** The error event that stopped the last stream, classified. */
  public Failure streamFailure() {
    return streamFailure;
  }

  /** The assistant message the client has received so far, as it will come back in the client's history. */
  public String assistantMessage() {
    return message == null ? null : message.message();
  }

  // --- the stream relay (the upstream call's target)

  @Override
  public void begin(int status, MultiMap headers) {
    stopKeepAlive(); // the upstream's own events take over
    this.upstreamHeaders = headers;
    this.streamFailure = null;
  }

  @Override
  public boolean accept(SseEvent e) {
    if (mayBeError(e)) {
      Failure f = streamErrors.apply(e);
      if (f != null) {
        streamFailure = f;
        return false;
      }
    }
    if (responseId != null) e = format.withResponseId(e, responseId);
    if (splicer == null) {
      write(e);
    } else {
      // the transcript must see what the client saw: the spliced events, with the client's ids and indexes
      for (SseEvent spliced : splicer.spliceEvents(e)) write(spliced);
    }
    if (!e.isComment()) eventsRelayed++;
    return true;
  }

  @Override
  public void readStarted() {
    holding = true;
    endInRead = false;
  }

  @Override
  public void readDone() {
    holding = false;
    Buffer events;
    if (held == null && runStart != null) {
      events = SseEvent.between(runStart, runEnd);
    } else {
      endRun();
      events = held;
    }
    held = null;
    runStart = runEnd = null;
    if (events == null) return;
    if (endInRead && deferred == null) {
      deferred = events;
      vertx.runOnContext(v -> writeDeferred());
      return;
    }
    writeDeferred();
    resp.write(events);
  }

  /** What {@link #readDone} deferred goes out now, before anything written after it. */
  private void writeDeferred() {
    Buffer d = deferred;
    if (d == null) return;
    deferred = null;
    if (!resp.ended() && !resp.closed()) resp.write(d);
  }

  private void hold(SseEvent e) {
    if (runStart != null && runEnd.isFollowedBy(e)) {
      runEnd = e;
      return;
    }
    endRun();
    runStart = runEnd = e;
  }

  /** The run so far is copied into {@link #held}: the next event is not next to it. */
  private void endRun() {
    if (runStart == null) return;
    if (held == null) held = Buffer.buffer();
    held.appendBuffer(SseEvent.between(runStart, runEnd));
    runStart = runEnd = null;
  }

  @Override
  public boolean writeQueueFull() {
    return resp.writeQueueFull();
  }

  @Override
  public void drainHandler(Runnable onDrain) {
    resp.drainHandler(v -> onDrain.run());
  }

  private void write(SseEvent e) {
    commitStream();
    if (message != null && format.isEndOfStream(e)) {
      endMarker = e;
      transcript.observe(e);
      return;
    }
    if (holding) {
      hold(e);
      // only an event its event line or [DONE] names: telling a data-only event's type would parse its JSON
      if (message == null && (e.event() != null || e.isDone()) && resp.coalescesEnd() && format.isEndOfStream(e)) {
        endInRead = true;
      }
    } else {
      writeDeferred();
      resp.write(e.bytes());
    }
    transcript.observe(e);
    if (transcript.hasContent()) observer.firstToken();
    if (message != null) message.observe(e);
  }

  /**
   * Cheap pre-check on the hot path; the classifier decides. A member {@code "error":null} (in every Responses event
   * that carries the response object) is no error, and is not worth a parse to learn so.
   */
  private static boolean mayBeError(SseEvent e) {
    return "error".equals(e.event()) || e.dataHasUnlessNull("error");
  }

  /** The end marker of a whole answer whose stream lost its tail, written by the gateway. */
  public void writeEndOfStream() {
    write(format.endOfStream());
  }

  // --- keep-alives

  /** While the gateway waits, a streaming client gets the format's keep-alive each interval. */
  public void keepAliveWhileWaiting(Duration interval) {
    stopKeepAlive();
    if (!stream || interval.isZero()) return;
    keepAliveTimer = vertx.setPeriodic(interval.toMillis(), id -> keepAlive());
  }

  /**
   * The upstream has not answered a streaming request for a while (a local server prefilling a long prompt): one
   * keep-alive now, then one each interval until its first event. The head is committed from here on, so a later
   * failure reaches the client as the format's stream error event.
   */
  public void keepAliveBeforeFirstByte(Duration interval) {
    if (!stream || keepAliveTimer >= 0) return;
    keepAlive();
    if (!interval.isZero()) keepAliveTimer = vertx.setPeriodic(interval.toMillis(), id -> keepAlive());
  }

  private void keepAlive() {
    if (resp.ended() || resp.closed()) {
      stopKeepAlive();
      return;
    }
    commitStream();
    writeDeferred();
    resp.write(format.keepAlive());
  }

  public void stopKeepAlive() {
    if (keepAliveTimer >= 0) vertx.cancelTimer(keepAliveTimer);
    keepAliveTimer = -1;
  }

  // --- the end

  /** A whole answer (or an upstream error passed through), when nothing has been sent yet. */
  public void answer(int status, MultiMap upstream, Buffer body) {
    stopKeepAlive();
    if (resp.ended() || resp.closed()) return;
    resp.setStatusCode(status);
    putHead(upstream);
    // the usage is near the end of the body: read from there, not by parsing the answer
    if (status < 300) observer.usage(() -> usageOfAnswer(body));
    resp.end(body);
  }

  /**
   * The usage a whole answer in the client's format reports, read once from the body's tail: the metrics, the
   * best-match figures and the session's turn each ask for it.
   */
  public TokenUsage usageOfAnswer(Buffer body) {
    if (body != usageRead) {
      usage = format.usageOfAnswer(body);
      usageRead = body;
    }
    return usage;
  }

  /** The stream's end: a deferred read and the held end marker, if any, go out now, with the end. */
  public void end() {
    stopKeepAlive();
    if (!resp.ended() && !resp.closed()) {
      commitStream();
      if (endMarker != null) {
        writeDeferred();
        resp.end(endMarker.bytes());
      } else if (deferred != null) {
        Buffer last = deferred;
        deferred = null;
        resp.end(last);
      } else {
        resp.end();
      }
    }
    deferred = null;
  }

  /** An error in the client's wire format, however far the response has got (see {@link ErrorReply}). */
  public void fail(ClientError error) {
    stopKeepAlive();
    writeDeferred();
    if (!resp.headWritten() && !resp.ended() && !resp.closed()) putHead(MultiMap.caseInsensitiveMultiMap());
    ErrorReply.send(resp, format, error, transcript);
  }

  /**
   * The one place the head's headers are written: the upstream's that may cross, then the gateway's own, each set
   * once (a header the upstream also sent, such as Retry-After or another gateway's x-rebound-*, is replaced).
   */
  private void putHead(MultiMap upstream) {
    HeaderPolicy.addClientHeaders(upstream, resp.headers());
    ReplyHeaders own = headers.get();
    if (own != null) own.setOn(resp.headers());
  }

  /**
   * Commits a 200 event-stream head. Once a streaming client has been sent anything, later failures can only reach it
   * as the format's error event, which is why nothing but a stream answer or keep-alive commits it.
   */
  private void commitStream() {
    // headWritten() turns true only with the first write, and a read's events are held before they are written
    if (committed || resp.headWritten()) return;
    committed = true;
    resp.setStatusCode(200);
    putHead(upstreamHeaders);
    if (!resp.headers().contains("content-type")) resp.putHeader("content-type", "text/event-stream");
    if (!resp.headers().contains("cache-control")) resp.putHeader("cache-control", "no-cache");
    resp.setChunked(true);
  }
}
