package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureClassifier;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.upstream.HeaderPolicy;
import dev.rebound.gateway.upstream.StreamTarget;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;

/**
 * The client's side of one exchange across all its attempts: commits the response head once, relays upstream events
 * (spliced when a cut answer is being continued), notices error events inside a stream, keeps a waiting streaming
 * client alive, and remembers what the client has seen.
 */
final class ClientStream implements StreamTarget {

  private final Exchange ex;
  private final Vertx vertx;
  private final FailureClassifier classifier;
  private final StreamTranscript transcript;
  private final AssistantMessageBuilder message;
  private MultiMap upstreamHeaders = MultiMap.caseInsensitiveMultiMap();
  private MultiMap replyHeaders = MultiMap.caseInsensitiveMultiMap();
  private StreamSplicer splicer;
  private Failure streamFailure;
  private int eventsRelayed;
  private long keepAliveTimer = -1;
  private boolean committed;
  /**
   * Inside one upstream read, its events are held and written together when it is done. Only true inside one
   * synchronous read handler, so nothing else (keep-alive, end) can run while events are held.
   */
  private boolean holding;
  /** The held events; created by the first one (a read that ends mid-event holds none). */
  private Buffer held;
  /**
   * With a session, the stream's end marker ([DONE], message_stop) waits here until the assistant turn is stored:
   * a client that has seen the end may leave at once, and what it saw complete must already be durable.
   */
  private String endMarker;

  ClientStream(Exchange ex, Vertx vertx, FailureClassifier classifier) {
    this.ex = ex;
    this.vertx = vertx;
    this.classifier = classifier;
    this.transcript = ex.format().transcript(ex.json());
    // rebuilding the assistant message parses every event: only a session stores it
    this.message = ex.session() == null ? null : ex.format().messageBuilder();
    ex.record().usage(transcript::usage);
  }

  /** Headers the gateway adds (x-rebound-*), as they stand when the response head goes out. */
  void replyHeaders(MultiMap headers) {
    this.replyHeaders = headers;
  }

  /** Sets these on top of the reply headers so far (a give-up's final count, its Retry-After). */
  void amendReplyHeaders(MultiMap more) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap().addAll(replyHeaders);
    for (String name : more.names()) all.set(name, more.getAll(name));
    this.replyHeaders = all;
  }

  /** From now on, upstream events are the continuation of what the client already has. */
  void continueWith(StreamSplicer splicer) {
    this.splicer = splicer;
    this.streamFailure = null;
  }

  StreamTranscript transcript() {
    return transcript;
  }

  /** Whether any upstream event reached the client (a keep-alive alone does not count). */
  boolean eventsRelayed() {
    return eventsRelayed > 0;
  }

  /** The error event that stopped the last stream, classified. */
  Failure streamFailure() {
    return streamFailure;
  }

  @Override
  public void begin(int status, MultiMap headers) {
    stopKeepAlive(); // the upstream's own events take over
    this.upstreamHeaders = headers;
    this.streamFailure = null;
  }

  @Override
  public boolean accept(SseEvent e) {
    if (mayBeError(e)) {
      Failure f = classifier.classifyStreamEvent(e.event(), e.data());
      if (f != null) {
        streamFailure = f;
        return false;
      }
    }
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
  }

  @Override
  public void readDone() {
    holding = false;
    Buffer events = held;
    held = null;
    if (events != null) response().write(events);
  }

  private void write(SseEvent e) {
    commitStream();
    if (message != null && isEndMarker(e)) {
      endMarker = e.raw();
      transcript.observe(e);
      return;
    }
    if (holding) {
      if (held == null) held = Buffer.buffer(e.raw().length());
      held.appendString(e.raw());
    } else {
      response().write(e.raw());
    }
    transcript.observe(e);
    if (transcript.hasContent()) ex.record().firstToken();
    if (message != null) message.observe(e);
  }

  /** The end marker of a whole answer whose stream lost its tail: [DONE] (OpenAI) or message_stop (Anthropic). */
  void writeEndOfStream() {
    write(ex.format().endOfStream());
  }

  private boolean isEndMarker(SseEvent e) {
    return ex.format().isEndOfStream(e);
  }

  /** The assistant message the client has received so far, as it will come back in the client's history. */
  String assistantMessage() {
    return message == null ? null : message.message();
  }

  /** Cheap pre-check on the hot path; the classifier decides. */
  private static boolean mayBeError(SseEvent e) {
    if ("error".equals(e.event())) return true;
    String data = e.data();
    return data != null && data.contains("\"error\"");
  }

  @Override
  public boolean writeQueueFull() {
    return response().writeQueueFull();
  }

  @Override
  public void drainHandler(Runnable onDrain) {
    response().drainHandler(v -> onDrain.run());
  }

  /** While the gateway waits to retry, a streaming client gets a comment (OpenAI) or ping (Anthropic) each interval. */
  void keepAliveWhileWaiting(Duration interval) {
    stopKeepAlive();
    if (!ex.stream() || interval.isZero()) return;
    keepAliveTimer = vertx.setPeriodic(interval.toMillis(), id -> keepAlive());
  }

  /**
   * The upstream has not answered a streaming request for a while (a local server prefilling a long prompt): one
   * keep-alive now, then one each interval until its first event. The head is committed from here on, so a later
   * failure reaches the client as the protocol's stream error event.
   */
  void keepAliveBeforeFirstByte(Duration interval) {
    if (!ex.stream() || keepAliveTimer >= 0) return;
    keepAlive();
    if (!interval.isZero()) keepAliveTimer = vertx.setPeriodic(interval.toMillis(), id -> keepAlive());
  }

  private void keepAlive() {
    HttpServerResponse resp = response();
    if (resp.ended() || resp.closed()) {
      stopKeepAlive();
      return;
    }
    commitStream();
    resp.write(ex.format().keepAlive());
  }

  void stopKeepAlive() {
    if (keepAliveTimer >= 0) vertx.cancelTimer(keepAliveTimer);
    keepAliveTimer = -1;
  }

  /** A whole non-stream answer (or an upstream error passed through), when nothing has been sent yet. */
  void answer(int status, MultiMap headers, Buffer body) {
    HttpServerResponse resp = response();
    if (resp.ended() || resp.closed()) return;
    resp.setStatusCode(status);
    putHead(resp, headers);
    // the usage is near the end of the body: read from there, not by parsing the answer
    if (status < 300) ex.record().usage(() -> ex.format().usageOfAnswer(body));
    resp.end(body);
  }

  /** An error of the gateway's own, in the client's protocol, with the reply headers when nothing was sent yet. */
  void fail(ClientError error) {
    HttpServerResponse resp = response();
    if (!resp.headWritten() && !resp.ended() && !resp.closed()) putHead(resp, MultiMap.caseInsensitiveMultiMap());
    ex.fail(error);
  }

  /**
   * The one place the head's headers are written: the upstream's that may cross, then the gateway's own, each set
   * once (a header the upstream also sent, such as Retry-After or another gateway's x-rebound-*, is replaced).
   */
  private void putHead(HttpServerResponse resp, MultiMap upstream) {
    resp.headers().addAll(HeaderPolicy.clientHeaders(upstream));
    for (String name : replyHeaders.names()) resp.headers().set(name, replyHeaders.getAll(name));
  }

  void end() {
    stopKeepAlive();
    HttpServerResponse resp = response();
    if (!resp.ended() && !resp.closed()) {
      commitStream();
      if (endMarker != null) resp.end(endMarker);
      else resp.end();
    }
  }

  /**
   * Commits a 200 event-stream head. Once a streaming client has been sent anything, later failures can only reach it
   * as the protocol's error event, which is why nothing but a stream answer or keep-alive commits it.
   */
  private void commitStream() {
    HttpServerResponse resp = response();
    // headWritten() turns true only with the first write, and a read's events are held before they are written
    if (committed || resp.headWritten()) return;
    committed = true;
    resp.setStatusCode(200);
    putHead(resp, upstreamHeaders);
    if (!resp.headers().contains("content-type")) resp.putHeader("content-type", "text/event-stream");
    if (!resp.headers().contains("cache-control")) resp.putHeader("cache-control", "no-cache");
    resp.setChunked(true);
  }

  private HttpServerResponse response() {
    return ex.response();
  }
}
