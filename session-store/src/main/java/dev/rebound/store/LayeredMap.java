package dev.rebound.store;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.h2.mvstore.MVMap;

/**
 * One map of the embedded store as its operations see it: the changes made since the last checkpoint, held in memory,
 * over the MVStore map that holds everything before. Writes go to the top layer only ({@code recent}); at a checkpoint
 * that layer is frozen ({@code applying}) and the store's checkpointer copies it into the MVStore map and commits the
 * file on a thread of its own, while the worker goes on with the next batches in a new top layer. So the worker never
 * waits for the MVStore file to be written (a commit took 10-15 ms, 15 times a second under the sessions bench, and
 * every turn queued behind it), and the file only ever holds the maps as they were between two operations: no commit
 * sees half an operation. Reads look in the layers, newest first, then in the MVStore map; a removal is a
 * {@link #REMOVED} marker until it reaches the MVStore map.
 *
 * <p>Threads: the store's worker reads and writes; the checkpointer reads the frozen layer (handed over through the
 * executor, never changed after) and writes the MVStore map, which the worker reads at the same time (MVMap allows
 * that; a key of the frozen layer is found there first, so either copy gives the same value).
 *
 * @param <V> the values: byte[], Long or String (what the {@link RedoLog} can hold)
 */
final class LayeredMap<V> {
  /** A key removed in a layer, whatever the layers below hold. */
  static final Object REMOVED = new Object() {
    @Override
    public String toString() {
      return "REMOVED";
    }
  };

  private final MVMap<String, V> base;
  private final UndoLog log;
  private TreeMap<String, Object> recent = new TreeMap<>();
  private NavigableMap<String, Object> applying = Collections.emptyNavigableMap();

  LayeredMap(MVMap<String, V> base, UndoLog log) {
    this.base = base;
    this.log = log;
  }

  String name() {
    return base.getName();
  }

  V get(String key) {
    Object v = recent.get(key);
    if (v == null) v = applying.get(key);
    if (v == null) return base.get(key);
    return v == REMOVED ? null : cast(v);
  }

  V getOrDefault(String key, V otherwise) {
    V v = get(key);
    return v == null ? otherwise : v;
  }

  /**
   * Sets {@code key}. Only the top layer changes, so all a rollback needs is what the top layer held: the layers below
   * and the MVStore map are not read (a write of a new row would otherwise read the B-tree page it would go in).
   */
  void put(String key, V value) {
    log.record(this, key, recent.put(key, value), value);
  }

  /** Removes {@code key}; returns what it held, or null. */
  V remove(String key) {
    V removed = get(key);
    if (removed != null) log.record(this, key, recent.put(key, REMOVED), null);
    return removed;
  }

  /**
   * Rollback: the top layer holds {@code held} for {@code key} again, as it did before a change (null: nothing, so the
   * layers below decide again).
   */
  void restore(String key, Object held) {
    if (held == null) recent.remove(key);
    else recent.put(key, held);
  }

  /** The least key at or after {@code key}, or null. */
  String ceilingKey(String key) {
    Iterator<String> it = keyIterator(key);
    return it.hasNext() ? it.next() : null;
  }

  /** Keys from {@code from} on, in order. Not to be used across a write to this map. */
  Iterator<String> keyIterator(String from) {
    return new Merged(recent.tailMap(from, true), applying.tailMap(from, true), base.keyIterator(from));
  }

  /** Every key with its value, in key order. Not to be used across a write to this map. */
  Iterable<Map.Entry<String, V>> entries() {
    return () -> {
      Iterator<String> keys = keyIterator("");
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return keys.hasNext();
        }

        @Override
        public Map.Entry<String, V> next() {
          String key = keys.next();
          return new AbstractMap.SimpleImmutableEntry<>(key, get(key));
        }
      };
    };
  }

  /** Keys held, counted one by one (diagnostics and tests). */
  long size() {
    long n = 0;
    for (Iterator<String> it = keyIterator(""); it.hasNext(); it.next()) n++;
    return n;
  }

  // ------------------------------------------------------------ checkpoints

  /** Worker, between batches: the changes so far become the layer the checkpointer copies into the MVStore map. */
  void freeze() {
    if (!applying.isEmpty()) throw new IllegalStateException(name() + ": the last checkpoint's layer is still there");
    applying = Collections.unmodifiableNavigableMap(recent);
    recent = new TreeMap<>();
  }

  /** Checkpointer: copies the frozen layer into the MVStore map (committed by the caller). */
  void copyFrozenToBase() {
    for (Map.Entry<String, Object> e : applying.entrySet()) {
      if (e.getValue() == REMOVED) base.remove(e.getKey());
      else base.put(e.getKey(), cast(e.getValue()));
    }
  }

  /** Worker, once the checkpointer has committed the frozen layer to the file: the MVStore map holds it now. */
  void dropFrozen() {
    applying = Collections.emptyNavigableMap();
  }

  /** Worker, for a checkpoint done at once (opening, closing, after a failure): every layer into the MVStore map. */
  void copyAllToBase() {
    copyFrozenToBase();
    applying = Collections.unmodifiableNavigableMap(recent);
    copyFrozenToBase();
    applying = Collections.emptyNavigableMap();
    recent = new TreeMap<>();
  }

  @SuppressWarnings("unchecked")
  private V cast(Object v) {
    return (V) v;
  }

  /** The keys of three sorted sources in order, once each, the newest layer's word counting; removed keys left out. */
  private static final class Merged implements Iterator<String> {
    private final Iterator<Map.Entry<String, Object>> top;
    private final Iterator<Map.Entry<String, Object>> middle;
    private final Iterator<String> bottom;
    private Map.Entry<String, Object> topNext;
    private Map.Entry<String, Object> middleNext;
    private String bottomNext;
    private String next;

    Merged(NavigableMap<String, Object> top, NavigableMap<String, Object> middle, Iterator<String> bottom) {
      this.top = top.entrySet().iterator();
      this.middle = middle.entrySet().iterator();
      this.bottom = bottom;
      topNext = this.top.hasNext() ? this.top.next() : null;
      middleNext = this.middle.hasNext() ? this.middle.next() : null;
      bottomNext = bottom.hasNext() ? bottom.next() : null;
      advance();
    }

    private void advance() {
      next = null;
      while (next == null && (topNext != null || middleNext != null || bottomNext != null)) {
        String least = null;
        if (topNext != null) least = topNext.getKey();
        if (middleNext != null && (least == null || middleNext.getKey().compareTo(least) < 0)) least = middleNext.getKey();
        if (bottomNext != null && (least == null || bottomNext.compareTo(least) < 0)) least = bottomNext;
        // the newest layer holding the key decides whether it is there
        Object word = null;
        boolean decided = false;
        if (topNext != null && topNext.getKey().equals(least)) {
          word = topNext.getValue();
          decided = true;
          topNext = top.hasNext() ? top.next() : null;
        }
        if (middleNext != null && middleNext.getKey().equals(least)) {
          if (!decided) word = middleNext.getValue();
          decided = true;
          middleNext = middle.hasNext() ? middle.next() : null;
        }
        if (bottomNext != null && bottomNext.equals(least)) {
          bottomNext = bottom.hasNext() ? bottom.next() : null;
        }
        if (word != REMOVED) next = least;
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public String next() {
      if (next == null) throw new NoSuchElementException();
      String out = next;
      advance();
      return out;
    }
  }
}
