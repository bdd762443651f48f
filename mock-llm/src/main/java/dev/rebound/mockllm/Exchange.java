package dev.rebound.mockllm;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one answer, applying its fault's timing (first-byte delay, stall, cut, stream error) and
 * the chunk pacing with Vert.x timers. Lives on the connection's event loop; when the client goes
 * away the pending timer is cancelled and nothing more is written.
 */
final class Exchange {

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final RecordedRequest record;
  private final Fault fault;
  private final long chunkDelayMs;

  private boolean done;
  private boolean stalled;
  private long timerId = -1;
  /** Chunks that are ready but not yet written, so an unpaced stream goes out in one write. */
  private Buffer pending = Buffer.buffer();

  Exchange(Vertx vertx, HttpServerResponse response, RecordedRequest record, Fault fault, long chunkDelayMs) {
    this.vertx = vertx;
    this.response = response;
    this.record = record;
    this.fault = fault;
    this.chunkDelayMs = chunkDelayMs;
    response.closeHandler(v -> clientGone());
    response.exceptionHandler(e -> clientGone());
  }

  Fault fault() {
    return fault;
  }

  /**
   * Sends a complete body. Headers first (after the fault's delay); a stall sits between headers
   * and body; a cut sends the headers and, if it allows any chunk, the first half of the body.
   */
  void respond(int status, String contentType, Buffer body, Outcome outcome) {
    afterFirstByteDelay(() -> {
      startResponse(status, contentType);
      response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()));
      if (fault != null && fault.cutAfterChunks() != null) {
        response.writeHead();
        if (fault.cutAfterChunks() > 0) {
          response.write(body.slice(0, body.length() / 2));
        }
        cut();
      } else if (fault != null && fault.stallMs() > 0) {
        response.writeHead();
        schedule(fault.stallMs(), () -> end(body, outcome));
      } else {
        end(body, outcome);
      }
    });
  }

  /** Streams {@code script}; {@code errorEvent} is the SSE text for a scripted stream error. */
  void stream(SseScript script, String errorEvent) {
    afterFirstByteDelay(() -> {
      startResponse(200, "text/event-stream");
      response.setChunked(true).putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
      pending.appendString(script.head());
      emit(script, 0, errorEvent);
    });
  }

  /** Writes chunks from {@code index} until it must wait (pacing, stall) or the stream ends. */
  private void emit(SseScript script, int index, String errorEvent) {
    int count = script.chunks().size();
    while (!done) {
      if (fault != null && fault.stallMs() > 0 && !stalled && index == Math.min(fault.stallAfterChunks(), count)) {
        stalled = true;
        int resumeAt = index;
        flush();
        schedule(fault.stallMs(), () -> emit(script, resumeAt, errorEvent));
        return;
      }
      if (fault != null && fault.cutAfterChunks() != null && index == Math.min(fault.cutAfterChunks(), count)) {
        flush();
        cut();
        return;
      }
      if (fault != null && fault.streamErrorAfterChunks() != null
          && index == Math.min(fault.streamErrorAfterChunks(), count)) {
        pending.appendString(errorEvent);
        end(pending, Outcome.FAULT);
        return;
      }
      if (index == count) {
        pending.appendString(script.tail());
        end(pending, Outcome.COMPLETED);
        return;
      }
      pending.appendString(script.chunks().get(index++));
      if (chunkDelayMs > 0 && index < count) {
        int next = index;
        flush();
        schedule(chunkDelayMs, () -> emit(script, next, errorEvent));
        return;
      }
    }
  }

  private void afterFirstByteDelay(Runnable answer) {
    if (fault != null && fault.delayMs() > 0) {
      schedule(fault.delayMs(), answer);
    } else {
      answer.run();
    }
  }

  private void startResponse(int status, String contentType) {
    record.status(status);
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    if (fault != null) {
      fault.headers().forEach(response::putHeader);
    }
  }

  private void flush() {
    if (pending.length() > 0) {
      response.write(pending);
      pending = Buffer.buffer();
    } else if (!response.headWritten()) {
      response.writeHead();
    }
  }

  private void end(Buffer body, Outcome outcome) {
    done = true;
    // Settled before the bytes leave, so a client that reads the answer then asks /_mock/requests sees it.
    record.settle(outcome);
    response.end(body);
  }

  /** Drops the connection mid-answer, as a crashing upstream or a broken proxy would. */
  private void cut() {
    done = true;
    record.settle(Outcome.CUT);
    response.reset();
  }

  private void clientGone() {
    if (!done) {
      done = true;
      cancelTimer();
      record.settle(Outcome.CLIENT_CLOSED);
    }
  }

  private void schedule(long delayMs, Runnable action) {
    timerId = vertx.setTimer(delayMs, id -> {
      timerId = -1;
      if (!done) {
        action.run();
      }
    });
  }

  private void cancelTimer() {
    if (timerId != -1) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }
}
