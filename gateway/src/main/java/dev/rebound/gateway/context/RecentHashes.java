package dev.rebound.gateway.context;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What was worked out for content already seen, by the content's 64-bit hash ({@link ContentDigests}), so a growing
 * conversation costs only its new messages: token counts here, message identities in the session step. Two
 * generations instead of an LRU list: when the young one is full it becomes the old one, and what is still in use
 * moves back on its next read. Bounded memory, no locks on the hot path.
 */
public final class RecentHashes<V> {
  private final int generationSize;
  private volatile ConcurrentHashMap<Long, V> young = new ConcurrentHashMap<>();
  private volatile ConcurrentHashMap<Long, V> old = new ConcurrentHashMap<>();

  public RecentHashes(int generationSize) {
    this.generationSize = generationSize;
  }

  /** The value kept for {@code key}, or null. */
  public V get(long key) {
    V v = young.get(key);
    if (v != null) return v;
    v = old.get(key);
    if (v == null) return null;
    put(key, v);
    return v;
  }

  public void put(long key, V value) {
    ConcurrentHashMap<Long, V> y = young;
    y.put(key, value);
    if (y.size() > generationSize) {
      synchronized (this) {
        if (young == y) {
          old = y;
          young = new ConcurrentHashMap<>();
        }
      }
    }
  }

  public int size() {
    return young.size() + old.size();
  }
}
