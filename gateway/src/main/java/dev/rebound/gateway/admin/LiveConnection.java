package dev.rebound.gateway.admin;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;

/**
 * One reader of the live feed: frames are offered from any thread and written on the connection's own event loop, as
 * fast as the socket takes them. What waits is bounded: at most {@link #MAX_QUEUED} frames beyond what the socket's
 * write queue holds; a reader that falls further behind is dropped (its connection closed), never buffered for.
 */
final class LiveConnection {
  static final int MAX_QUEUED = 256;
  /** Bytes the socket may hold before frames wait in the queue (a history frame alone may be larger). */
  static final int WRITE_QUEUE_BYTES = 256 * 1024;

  private final Context context;
  private final HttpServerResponse response;
  private final Runnable onClose;
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private boolean draining;
  private boolean closed;

  /** @param onClose called once when the connection ends, dropped or closed by the reader */
  LiveConnection(Context context, HttpServerResponse response, Runnable onClose) {
    this.context = context;
    this.response = response;
    this.onClose = onClose;
    response.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    response.closeHandler(v -> closed());
  }

  /** Queues a frame for the reader; drops the reader when it is {@link #MAX_QUEUED} frames behind. */
  void offer(String frame) {
    boolean schedule;
    synchronized (this) {
      if (closed) return;
      if (queue.size() >= MAX_QUEUED) {
        closed = true;
        queue.clear();
        context.runOnContext(v -> drop());
        return;
      }
      queue.addLast(frame);
      schedule = !draining;
      draining = true;
    }
    if (schedule) context.runOnContext(v -> drain());
  }

  /** Writes what is queued while the socket takes it; waits for the socket to drain when it is full. */
  private void drain() {
    while (true) {
      String frame;
      synchronized (this) {
        if (closed) return;
        if (response.writeQueueFull()) {
          response.drainHandler(v -> drain());
          return;
        }
        frame = queue.pollFirst();
        if (frame == null) {
          draining = false;
          return;
        }
      }
      response.write(frame);
    }
  }

  private void drop() {
    onClose.run();
    // the reader is too slow to follow: it reconnects and starts again from the history
    response.reset();
  }

  /** Ends the stream (the gateway stops). */
  void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
      queue.clear();
    }
    context.runOnContext(v -> {
      onClose.run();
      if (!response.ended()) response.end();
    });
  }

  private void closed() {
    synchronized (this) {
      closed = true;
      queue.clear();
    }
    onClose.run();
  }

  /** Frames waiting for the socket (for tests). */
  synchronized int queued() {
    return queue.size();
  }
}
