package dev.rebound.store;

import java.time.Instant;

/**
 * One message of a session's history.
 *
 * @param index   position in the history, from 0
 * @param json    the message object exactly as the client sent it (JSON text, byte-for-byte)
 * @param partial true for a streaming answer saved before it completed
 * @param usage   the tokens the answer reported (assistant turns); {@link TurnUsage#NONE} when none was (and for
 *                messages stored before usage was kept)
 */
public record StoredMessage(int index, String role, String json, boolean partial, Instant at, TurnUsage usage) {

  public StoredMessage {
    usage = TurnUsage.orNone(usage);
  }

  public StoredMessage(int index, String role, String json, boolean partial, Instant at) {
    this(index, role, json, partial, at, TurnUsage.NONE);
  }

  /**
   * sha-256 hex of the canonical form of {@link #json} ({@link MessageHash}): tells whether a request's message is this
   * one whatever its spelling. Computed when asked, on the few paths that compare a stored history (it is a function of
   * the text alone): hashing every message as it was written cost the store's worker more than writing it.
   */
  public String hash() {
    return MessageHash.of(json);
  }

  /** The message to append again (a fork's copy, a replay). */
  public NewMessage asNew() {
    return new NewMessage(role, json, partial, usage);
  }
}
