package dev.rebound.gateway.background;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.reply.ReplyChannel;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.SseParser;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a background run's {@link dev.rebound.gateway.reply.Reply} writes instead of a client connection: the stream
 * it would have sent is parsed back into Responses events, which are renumbered to follow the job's earlier events,
 * given the job's response id, and held until the run writes them to the job store. A body (an error answered before
 * any event) is kept as it came. Closing it is the run's way to stop: the pipeline sees a client that left.
 */
final class JobRecording implements ReplyChannel {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String responseId;
  /** An earlier run already recorded the response's opening events: this run's are not repeated. */
  private final boolean opened;
  private final SseParser parser = new SseParser();
  private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
  private int nextSeq;
  private final List<String> pending = new ArrayList<>();
  private final List<ObjectNode> errorEvents = new ArrayList<>();
  private String latestResponse;
  private String terminal;
  private boolean outputRecorded;
  private int status = 200;
  private boolean headWritten;
  private boolean ended;
  private boolean closed;
  private Handler<Void> onClose;
  private Buffer body;

  JobRecording(String responseId, int recordedEvents, String latestResponse) {
    this.responseId = responseId;
    this.nextSeq = recordedEvents;
    this.opened = recordedEvents > 0;
    this.latestResponse = latestResponse;
  }

  // --- what the run reads

  /** The events recorded since the last call, numbered, in order. */
  List<String> drain() {
    List<String> out = List.copyOf(pending);
    pending.clear();
    return out;
  }

  boolean hasPending() {
    return !pending.isEmpty();
  }

  int nextSequence() {
    return nextSeq;
  }

  /** The latest response object a stream event carried (JSON), with the job's id; null when none yet. */
  String latestResponse() {
    return latestResponse;
  }

  /** "completed" or "incomplete" once the stream's terminal event passed; null before (or when it failed). */
  String terminal() {
    return terminal;
  }

  /** Whether this run recorded any output event (after which it cannot be replayed from the start). */
  boolean outputRecorded() {
    return outputRecorded;
  }

  int status() {
    return status;
  }

  MultiMap answerHeaders() {
    return headers;
  }

  /** The body of a non-stream answer (an error answered before the stream began); null when there was none. */
  Buffer body() {
    return body;
  }

  /** Appends an event the gateway makes itself (the job's failure), numbered after the recorded ones. */
  void add(ObjectNode event) {
    event.put("sequence_number", nextSeq++);
    pending.add(event.toString());
  }

  /** The run is stopped: the pipeline hears a client that left. */
  void close() {
    if (closed) return;
    closed = true;
    Handler<Void> h = onClose;
    onClose = null;
    if (h != null) h.handle(null);
  }

  // --- the reply's side

  private void observe(Buffer data) {
    if (!streaming()) {
      if (body == null) body = Buffer.buffer();
      body.appendBuffer(data);
      return;
    }
    for (SseEvent e : parser.feed(data)) if (!e.isComment() && e.data() != null) event(e);
  }

  private boolean streaming() {
    String type = headers.get("content-type");
    return type != null && type.startsWith("text/event-stream");
  }

  private void event(SseEvent e) {
    JsonNode parsed;
    try {
      parsed = JSON.readTree(e.data());
    } catch (java.io.IOException ex) {
      return;
    }
    if (!(parsed instanceof ObjectNode node)) return;
    String type = node.path("type").asText(e.event() == null ? "" : e.event());
    if (node.get("response") instanceof ObjectNode response) {
      response.put("id", responseId);
      response.put("background", true);
      latestResponse = response.toString();
      if (type.equals("response.completed") || type.equals("response.incomplete")) {
        terminal = response.path("status").asText(type.substring("response.".length()));
      }
    }
    if (type.equals("error") || type.equals("response.failed")) {
      // the run's own end; the job decides whether it is the job's (a failure) or replayed
      errorEvents.add(node);
      return;
    }
    if (opened && (type.equals("response.created") || type.equals("response.in_progress"))) return;
    if (!type.equals("response.created") && !type.equals("response.in_progress")) outputRecorded = true;
    node.put("sequence_number", nextSeq++);
    pending.add(node.toString());
  }

  /** The error a failed stream reported, as its {@code error} event (code, message); null when there was none. */
  ObjectNode streamError() {
    for (ObjectNode e : errorEvents) if ("error".equals(e.path("type").asText())) return e;
    return null;
  }

  @Override
  public ReplyChannel setStatusCode(int status) {
    this.status = status;
    return this;
  }

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public ReplyChannel putHeader(CharSequence name, CharSequence value) {
    headers.set(name, value);
    return this;
  }

  @Override
  public void setChunked(boolean chunked) {
  }

  @Override
  public boolean headWritten() {
    return headWritten;
  }

  @Override
  public boolean ended() {
    return ended;
  }

  @Override
  public boolean closed() {
    return closed;
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    this.onClose = handler;
  }

  @Override
  public void write(Buffer data) {
    if (ended || closed) return;
    headWritten = true;
    observe(data);
  }

  @Override
  public void write(String data) {
    write(Buffer.buffer(data));
  }

  @Override
  public void end() {
    headWritten = true;
    ended = true;
  }

  @Override
  public void end(String data) {
    end(Buffer.buffer(data));
  }

  @Override
  public void end(Buffer data) {
    if (ended || closed) return;
    headWritten = true;
    observe(data);
    ended = true;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
  }

  @Override
  public void closeConnection() {
    ended = true;
  }
}
