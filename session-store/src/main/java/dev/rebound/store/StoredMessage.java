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
 */
public record StoredMessage(int index, String role, String json, String hash, boolean partial, Instant at) {}
