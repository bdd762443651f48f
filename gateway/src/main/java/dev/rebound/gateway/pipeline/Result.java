package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.wire.ClientError;
import dev.rebound.routing.AgentDefinition;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** How a request ends, decided on the way in and carried back along the way out; the reply's end is written last. */
public sealed interface Result {

  /** A whole (non-stream) answer from {@code agent}, not yet sent. */
  record Answered(AgentDefinition agent, int status, MultiMap headers, Buffer body) implements Result {}

  /** A stream from {@code agent} whose answer is whole; the client has all but its end marker. */
  record Streamed(AgentDefinition agent) implements Result {}

  /** The upstream's own error answer, already in the client's wire format, passed on as it came. */
  record PassedOn(int status, MultiMap headers, Buffer body) implements Result {}

  /** The gateway's own error. */
  record Failed(ClientError error) implements Result {}

  /**
   * The client went away. {@code answerWhole}: the upstream had finished the answer (the client may have seen it whole);
   * {@code keepPartial}: what it was sent of a cut answer is worth keeping. {@code agent} is null when it left while
   * no attempt was in flight.
   */
  record ClientGone(AgentDefinition agent, boolean answerWhole, boolean keepPartial) implements Result {}
}
