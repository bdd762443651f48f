package dev.rebound.gateway.pipeline;

import dev.rebound.store.SessionKey;

/**
 * A request's place in its session once the user turn is stored.
 *
 * @param version the session's version after the user turn was appended (the next write expects it)
 * @param turn    the number of this turn (1 for the first exchange of a session)
 */
public record SessionTurn(SessionKey key, long version, int turn) {
  public SessionTurn at(long newVersion) {
    return new SessionTurn(key, newVersion, turn);
  }
}
