package dev.rebound.store;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * A response of OpenAI's Responses API that the gateway keeps ({@code store: true}): its id, the session and turn it
 * answered (so {@code previous_response_id} goes on from that point of the session's history), and the response object
 * as the client received it ({@code GET /v1/responses/{id}}). It lives in the tenant's namespace, like sessions, and
 * expires after the store's TTL from when it was written.
 *
 * @param sessionId the session (or thread) that holds the turn, in the same tenant
 * @param turn      the turn's number in that session: its answer is the session's {@code turn}-th complete assistant
 *                  message
 * @param json      the response object, JSON text
 */
public record StoredResponse(String tenant, String id, String sessionId, int turn, String json, Instant created) {

  /** Response ids as OpenAI and the gateway make them ({@code resp_...}); narrow, since they end up inside keys. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,200}");

  public StoredResponse {
    if (!validId(id)) throw new IllegalArgumentException("invalid response id '" + id + "': must match " + ID.pattern());
    // both checked by the session key: same tenant and id rules
    new SessionKey(tenant, sessionId);
    if (turn < 1) throw new IllegalArgumentException("turn must be >= 1, but was " + turn);
    if (json == null || json.isEmpty()) throw new IllegalArgumentException("the response object is required");
  }

  public static boolean validId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** The session that holds the turn. */
  public SessionKey session() {
    return new SessionKey(tenant, sessionId);
  }
}
