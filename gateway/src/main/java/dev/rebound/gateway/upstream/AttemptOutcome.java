package dev.rebound.gateway.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** How one upstream attempt ended. Only {@link Relayed} and a started {@link Broken} have sent bytes to the client. */
public sealed interface AttemptOutcome {

  /** A 2xx answer, relayed to the client in full. */
  record Relayed(int status) implements AttemptOutcome {}

  /** The upstream answered with an error status; nothing was sent to the client, so the attempt can be retried. */
  record ErrorAnswer(int status, MultiMap headers, Buffer body) implements AttemptOutcome {}

  /**
   * The exchange broke: no connection, a timeout, or a cut mid-answer.
   *
   * @param clientSawBytes whether part of the answer had already reached the client
   */
  record Broken(Breakage breakage, String message, boolean clientSawBytes) implements AttemptOutcome {}

  /** The client went away; the upstream request was cancelled. */
  record ClientGone() implements AttemptOutcome {}

  enum Breakage { CONNECT, TIMEOUT, STREAM_CUT }
}
