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
   * @param turnsBefore the session's turns before its first stored message (those a compaction summarised): a turn's
   *                    number is these plus the exchanges before it in the stored history
   */
  public record Known(long version, Instant created, int turns, List<String> identities, int turnsBefore) {
    public Known {
      identities = List.copyOf(identities);
    }

    public Known(long version, Instant created, int turns, List<String> identities) {
      this(version, created, turns, identities, 0);
    }

    public Known appended(long newVersion, int moreTurns, List<String> more) {
      if (more.isEmpty() && moreTurns == 0) return new Known(newVersion, created, turns, identities, turnsBefore);
      List<String> all = new ArrayList<>(identities);
      all.addAll(more);
      return new Known(newVersion, created, turns + moreTurns, all, turnsBefore);
    }
  }

  private final Map<SessionKey, Known> known = new LinkedHashMap<>(256, 0.75f, true);
  private final int capacity;
  private final long maxMessages;
  /** Identities held over all sessions: one long session can weigh as much as thousands of short ones. */
  private long messages;

  /**
   * @param capacity    sessions remembered
   * @param maxMessages message identities remembered over all of them
   */
  public SessionCache(int capacity, long maxMessages) {
    this.capacity = capacity;
    this.maxMessages = maxMessages;
  }

  public synchronized Known get(SessionKey key) {
    return known.get(key);
  }

  public synchronized void put(SessionKey key, Known k) {
    Known before = known.put(key, k);
    messages += k.identities().size() - (before == null ? 0 : before.identities().size());
    // least recently used first; the session just written stays, however long it is
    var eldest = known.entrySet().iterator();
    while ((known.size() > capacity || messages > maxMessages) && known.size() > 1) {
      Known dropped = eldest.next().getValue();
      eldest.remove();
      messages -= dropped.identities().size();
    }
  }

  /**
   * After a write that took the session from version {@code from} to {@code to}, adding {@code moreTurns} turns and the
   * complete messages {@code more} (none for a partial answer or a checkpoint): the cached history follows, unless it
   * is not the one the write extended (another turn cached a newer one meanwhile), or there is none.
   */
  public synchronized void advance(SessionKey key, long from, long to, int moreTurns, List<String> more) {
    Known k = known.get(key);
    if (k != null && k.version() == from) put(key, k.appended(to, moreTurns, more));
  }

  public synchronized void forget(SessionKey key) {
    Known k = known.remove(key);
    if (k != null) messages -= k.identities().size();
  }

  public synchronized int size() {
    return known.size();
  }

  /** Message identities held, over all sessions. */
  public synchronized long messages() {
    return messages;
  }
}
