package dev.rebound.gateway.upstream;

import dev.rebound.gateway.config.BackendConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** Sends one attempt to a backend: the seam between the attempt loop and the network (a fake in the loop's tests). */
public interface Upstream {
  /** Starts the attempt; a stream's events go to {@code target} as they come. */
  Call send(BackendConfig backend, String uri, MultiMap headers, Buffer body, StreamTarget target);

  /** One attempt in flight. */
  interface Call {
    Future<AttemptOutcome> outcome();

    /** The upstream answer's headers; null while none came. */
    MultiMap responseHeaders();
  }
}
