package dev.rebound.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.h2.mvstore.MVMap;

/**
 * The changes one batch of the embedded store made to its maps, in order, with what each replaced: enough to take a
 * failed operation's changes back ({@link #rollbackTo}). What is left once the batch has run ({@link #changes}) is
 * what the batch wrote: the store's {@link RedoLog} appends it. It replaces MVStore's TransactionStore, which kept the same
 * undo information in a map of its own and wrapped every value in a version: each change wrote three B-trees instead
 * of one, and each commit rewrote them all. Atomicity on disk needs none of that, because the file is written only
 * between operations ({@code MVStore.commit} on the store's single worker, with no background writer and no write on
 * memory pressure): every version on disk ends with a whole operation.
 *
 * <p>Not thread-safe: used by the store's worker thread only.
 */
final class UndoLog {
  /** One write: {@code value} is what {@code key} holds after it (null: removed), {@code replaced} what it held. */
  record Change(MVMap<Object, Object> map, Object key, Object replaced, Object value) {}

  private final List<Change> changes = new ArrayList<>();

  /** A mark to roll back to: the changes made so far stay. */
  int mark() {
    return changes.size();
  }

  /** Takes back every change made after {@code mark}, newest first. */
  void rollbackTo(int mark) {
    for (int i = changes.size() - 1; i >= mark; i--) {
      Change c = changes.remove(i);
      if (c.replaced() == null) c.map().remove(c.key());
      else c.map().put(c.key(), c.replaced());
    }
  }

  /** The changes that stand, oldest first: replayed in this order on the maps as they were, they give the maps now. */
  List<Change> changes() {
    return changes;
  }

  /** Forgets the changes: they stay. */
  void clear() {
    changes.clear();
  }

  /** {@code map} with every write recorded in this log. */
  <K, V> Logged<K, V> over(MVMap<K, V> map) {
    return new Logged<>(map, this);
  }

  @SuppressWarnings("unchecked")
  private void record(MVMap<?, ?> map, Object key, Object replaced, Object value) {
    changes.add(new Change((MVMap<Object, Object>) map, key, replaced, value));
  }

  /** One map of the store, as the store's operations use it: reads go straight to it, writes through the log. */
  static final class Logged<K, V> {
    private final MVMap<K, V> map;
    private final UndoLog log;

    private Logged(MVMap<K, V> map, UndoLog log) {
      this.map = map;
      this.log = log;
    }

    V get(K key) {
      return map.get(key);
    }

    V getOrDefault(K key, V otherwise) {
      V v = map.get(key);
      return v == null ? otherwise : v;
    }

    V put(K key, V value) {
      V replaced = map.put(key, value);
      log.record(map, key, replaced, value);
      return replaced;
    }

    V remove(K key) {
      V removed = map.remove(key);
      if (removed != null) log.record(map, key, removed, null);
      return removed;
    }

    K ceilingKey(K key) {
      return map.ceilingKey(key);
    }

    /** Keys from {@code from} on, in order, as they were when the iterator was made. */
    Iterator<K> keyIterator(K from) {
      return map.keyIterator(from);
    }

    Set<Map.Entry<K, V>> entrySet() {
      return map.entrySet();
    }

    long size() {
      return map.sizeAsLong();
    }
  }
}
