package dev.rebound.store;

import java.time.Instant;

/**
 * One message of a session's history.
 *
 * @param index   position in the history, from 0
 * @param json    the message object exactly as the client sent it (JSON text, byte-for-byte)
 * @param hash    sha-256 hex of the canonical form of {@code json} (see {@link MessageHash}); lets the gateway
 *                tell whether a request's history extends the stored one without comparing bodies
 * @param partial true for a streaming answer saved before it completed
 * @param usage   the tokens the answer reported (assistant turns); {@link TurnUsage#NONE} when none was (and for
 *                messages stored before usage was kept)
 */
public record StoredMessage(int index, String role, String json, String hash, boolean partial, Instant at,
    TurnUsage usage) {

  public StoredMessage {
    usage = TurnUsage.orNone(usage);
  }

  public StoredMessage(int index, String role, String json, String hash, boolean partial, Instant at) {
    this(index, role, json, hash, partial, at, TurnUsage.NONE);
  }

  /** The message to append again (a fork's copy, a replay). */
  public NewMessage asNew() {
    return new NewMessage(role, json, partial, usage);
  }
}
