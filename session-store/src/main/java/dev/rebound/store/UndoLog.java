package dev.rebound.store;

import java.util.ArrayList;
import java.util.List;
import org.h2.mvstore.MVMap;

/**
 * The changes one batch of the embedded store made to its maps, in order, with what each replaced: enough to take a
 * failed operation's changes back ({@link #rollbackTo}). What is left once the batch has run ({@link #changes}) is
 * what the batch wrote: the store's {@link RedoLog} appends it. It replaces MVStore's TransactionStore, which kept the same
 * undo information in a map of its own and wrapped every value in a version: each change wrote three B-trees instead
 * of one, and each commit rewrote them all. Atomicity on disk needs none of that: the operations write to the
 * {@link LayeredMap}s' top layers, and only whole checkpoints of them reach the MVStore file.
 *
 * <p>Not thread-safe: used by the store's worker thread only.
 */
final class UndoLog {
  /**
   * One write: {@code value} is what {@code key} holds after it (null: removed); {@code replaced} is what the map's top
   * layer held before it ({@link LayeredMap#restore}).
   */
  record Change(LayeredMap<?> map, String key, Object replaced, Object value) {}

  private final List<Change> changes = new ArrayList<>();

  /** A mark to roll back to: the changes made so far stay. */
  int mark() {
    return changes.size();
  }

  /** Takes back every change made after {@code mark}, newest first. */
  void rollbackTo(int mark) {
    for (int i = changes.size() - 1; i >= mark; i--) {
      Change c = changes.remove(i);
      c.map().restore(c.key(), c.replaced());
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

  /** {@code map} as the store's operations use it, with every write recorded in this log. */
  <V> LayeredMap<V> over(MVMap<String, V> map) {
    return new LayeredMap<>(map, this);
  }

  void record(LayeredMap<?> map, String key, Object replaced, Object value) {
    changes.add(new Change(map, key, replaced, value));
  }
}
