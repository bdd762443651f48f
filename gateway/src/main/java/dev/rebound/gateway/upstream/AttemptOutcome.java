package dev.rebound.gateway.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** How one upstream attempt ended. */
public sealed interface AttemptOutcome {

  /** A 2xx event stream that ran to its end; its events went to the {@link StreamTarget}. */
  record Streamed(int status) implements AttemptOutcome {}

  /** A 2xx answer that is not a stream, read whole (small, so a failure before it reaches the client is retryable). */
  record Answered(int status, MultiMap headers, Buffer body) implements AttemptOutcome {}

  /** The upstream answered with an error status; nothing was sent to the client. */
  record ErrorAnswer(int status, MultiMap headers, Buffer body) implements AttemptOutcome {}

  /** The exchange broke: no connection, a timeout, or a cut mid-answer. */
  record Broken(Breakage breakage, String message) implements AttemptOutcome {}

  /** The stream target refused an event (an error inside the stream) and the upstream request was cancelled. */
  record StoppedByTarget() implements AttemptOutcome {}

  /** The client went away; the upstream request was cancelled. */
  record ClientGone() implements AttemptOutcome {}

  enum Breakage { CONNECT, TIMEOUT, STREAM_CUT }
}
