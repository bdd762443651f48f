package dev.rebound.gateway.sessions;

import dev.rebound.store.SessionKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the gateway last knew of recent sessions: version, turns and the identity of each stored message. A continuing
 * turn whose session the store still has at that version is checked against it without reading the history; and a
 * turn can be bound and stored (through the degraded-mode buffer) while the store cannot be read, instead of being
 * served unrecorded. Bounded: the least recently used sessions are forgotten first.
 */
public final class SessionCache {
  /**
   * @param version    the store's version of the session that these identities describe
   * @param created    the session's creation time in the store: with the version, it tells this session from a
   *                   deleted one of the same id whose version happens to match; null when unknown
   * @param identities one per stored complete message, in order
   */
  public record Known(long version, Instant created, int turns, List<String> identities) {
    public Known {
      identities = List.copyOf(identities);
    }

    public Known appended(long newVersion, int moreTurns, List<String> more) {
      List<String> all = new ArrayList<>(identities);
      all.addAll(more);
      return new Known(newVersion, created, turns + moreTurns, all);
    }

    /** The same history at the version a write that added no complete message (a partial answer, a checkpoint) left. */
    public Known at(long newVersion) {
      return new Known(newVersion, created, turns, identities);
    }
  }

  private final Map<SessionKey, Known> known;

  public SessionCache(int capacity) {
    this.known = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<SessionKey, Known> eldest) {
        return size() > capacity;
      }
    };
  }

  public synchronized Known get(SessionKey key) {
    return known.get(key);
  }

  public synchronized void put(SessionKey key, Known k) {
    known.put(key, k);
  }

  public synchronized void forget(SessionKey key) {
    known.remove(key);
  }
}
