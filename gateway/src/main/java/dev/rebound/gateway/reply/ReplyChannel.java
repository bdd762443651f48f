package dev.rebound.gateway.reply;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Where a {@link Reply} writes: the few calls it makes on a client response. An HTTP response in the normal case
 * ({@link HttpReplyChannel}); a background response's job records what would have been sent instead (its run has no
 * client connection).
 */
public interface ReplyChannel {
  ReplyChannel setStatusCode(int status);

  MultiMap headers();

  ReplyChannel putHeader(CharSequence name, CharSequence value);

  void setChunked(boolean chunked);

  boolean headWritten();

  boolean ended();

  /** Whether the receiver is gone (nothing written now reaches it). */
  boolean closed();

  /** Runs once when the receiver goes away. */
  void closeHandler(Handler<Void> handler);

  void write(Buffer data);

  void write(String data);

  void end();

  void end(String data);

  void end(Buffer data);

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  /** Ends the exchange abruptly (a plain body that cannot be finished): the receiver sees a truncated answer. */
  void closeConnection();

  /**
   * Whether a stream's last read is worth holding for the end, to go out with it: on a socket that is one write
   * instead of two. A recording has nothing to save, and must have the read before it may be closed.
   */
  default boolean coalescesEnd() {
    return false;
  }
}
