package dev.rebound.gateway.context;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token counts of messages already seen, by content hash, so a growing conversation costs only its new messages.
 * Two generations instead of an LRU list: when the young one is full it becomes the old one, and what is still in use
 * moves back on its next read. Bounded memory, no locks on the hot path.
 */
final class TokenCache {
  private final int generationSize;
  private volatile ConcurrentHashMap<Long, Long> young = new ConcurrentHashMap<>();
  private volatile ConcurrentHashMap<Long, Long> old = new ConcurrentHashMap<>();

  TokenCache(int generationSize) {
    this.generationSize = generationSize;
  }

  /** The cached value, or -1. */
  long get(long key) {
    Long v = young.get(key);
    if (v != null) return v;
    v = old.get(key);
    if (v == null) return -1;
    put(key, v);
    return v;
  }

  void put(long key, long value) {
    ConcurrentHashMap<Long, Long> y = young;
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

  int size() {
    return young.size() + old.size();
  }
}
