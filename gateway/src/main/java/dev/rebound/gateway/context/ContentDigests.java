package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The content hashes of one request's JSON values, each computed once: the session step looks up its messages'
 * identities by them and the context step its cached token counts, so a long history resent every turn is hashed
 * once a turn, not once per use. Values are remembered by reference: a request's messages are never changed in place
 * (a step that changes the conversation builds new nodes), so a value hashed once keeps its hash for the request.
 */
public final class ContentDigests {
  /** Made on first use: a request that is neither counted nor bound to a session hashes nothing. */
  private Map<JsonNode, Long> hashes;

  /** A 64-bit hash of {@code n}'s content: keys, values and structure (equal content, equal hash). */
  public synchronized long of(JsonNode n) {
    if (hashes == null) hashes = new IdentityHashMap<>();
    Long h = hashes.get(n);
    if (h == null) {
      h = ContentHash.of(n);
      hashes.put(n, h);
    }
    return h;
  }
}
