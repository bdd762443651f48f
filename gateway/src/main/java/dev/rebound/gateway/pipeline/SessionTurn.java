package dev.rebound.gateway.pipeline;

import dev.rebound.store.NewMessage;
import dev.rebound.store.SessionKey;
import java.util.List;
import java.util.function.Supplier;

/**
 * A request's place in its session once the user turn is stored.
 *
 * @param version the session's version after the user turn was appended (the next write expects it)
 * @param turn    the number of this turn (1 for the first exchange of a session)
 * @param history the session's complete messages once the user turn is stored (built only when a write has to be
 *                replayed or reconciled: see {@code Append.history})
 * @param reasked the request asks a question the session already holds an answer to (a retry through another
 *                gateway, or of an answer the client never saw end): its answer is stored only by reconciling, so
 *                the turn is never stored twice
 */
public record SessionTurn(SessionKey key, long version, int turn, Supplier<List<NewMessage>> history, boolean reasked) {
  public SessionTurn at(long newVersion) {
    return new SessionTurn(key, newVersion, turn, history, reasked);
  }
}
