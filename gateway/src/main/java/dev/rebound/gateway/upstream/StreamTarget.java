package dev.rebound.gateway.upstream;

import dev.rebound.gateway.stream.SseEvent;
import io.vertx.core.MultiMap;

/**
 * The client's side of an upstream call: where the events of an upstream stream go, one complete event at a time, with
 * back-pressure, and who says when the client has gone (then the upstream request is cancelled).
 */
public interface StreamTarget {
  /** Runs {@code then} once if the client goes away; null clears it. */
  void whenGone(Runnable then);

  /** The upstream answered 2xx with an event stream; called once before the first event. */
  void begin(int status, MultiMap upstreamHeaders);

  /** Takes one event; false stops the stream here (the event was an error the caller will deal with). */
  boolean accept(SseEvent event);

  /**
   * The events of one upstream read follow, up to {@link #readDone()}: the target may hold them and write them to the
   * client together (one write instead of one per event when a fast server sends several at once).
   */
  default void readStarted() {}

  /** Every event of this upstream read was accepted (or one stopped the stream): write what is held now. */
  default void readDone() {}

  boolean writeQueueFull();

  void drainHandler(Runnable onDrain);
}
