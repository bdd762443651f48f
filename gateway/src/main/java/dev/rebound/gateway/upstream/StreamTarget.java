package dev.rebound.gateway.upstream;

import dev.rebound.gateway.stream.SseEvent;
import io.vertx.core.MultiMap;

/** Where the events of an upstream stream go, one complete event at a time, with back-pressure. */
public interface StreamTarget {
  /** The upstream answered 2xx with an event stream; called once before the first event. */
  void begin(int status, MultiMap upstreamHeaders);

  /** Takes one event; false stops the stream here (the event was an error the caller will deal with). */
  boolean accept(SseEvent event);

  boolean writeQueueFull();

  void drainHandler(Runnable onDrain);
}
