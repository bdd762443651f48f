package dev.rebound.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.TreeMap;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;

class UndoLogTest {
  private final MVStore memory = new MVStore.Builder().open(); // no file: the maps are what is tested
  private final MVMap<String, String> plain = memory.openMap("plain");
  private final MVMap<String, Long> numbers = memory.openMap("numbers");
  private final UndoLog log = new UndoLog();
  private final LayeredMap<String> strings = log.over(plain);
  private final LayeredMap<Long> longs = log.over(numbers);

  @Test
  void rollingBackToAMarkTakesBackEveryLaterChangeAcrossMapsAndKeepsTheEarlierOnes() {
    strings.put("kept", "1");
    strings.put("changed", "before");
    strings.put("removed", "there");
    int mark = log.mark();
    strings.put("changed", "after");
    strings.put("changed", "after again"); // the same key twice: back to what it was at the mark, not in between
    strings.remove("removed");
    strings.put("added", "new");
    longs.put("n", 7L);
    strings.remove("never there"); // nothing removed, nothing to take back

    log.rollbackTo(mark);

    assertEquals(new TreeMap<>(Map.of("kept", "1", "changed", "before", "removed", "there")), contents(strings));
    assertNull(longs.get("n"));
    assertEquals(mark, log.mark(), "the taken-back changes are gone from the log too");
  }

  @Test
  void clearingKeepsTheChangesAndARollbackAfterItTakesBackNothingBeforeIt() {
    longs.put("n", 1L);
    log.clear();
    longs.put("n", 2L);
    log.rollbackTo(0);
    assertEquals(1L, longs.get("n"));
  }

  @Test
  void readsSeeTheBatchsOwnWrites() {
    strings.put("b#1", "x");
    strings.put("b#2", "y");
    assertEquals("y", strings.get("b#2"));
    assertEquals("b#1", strings.ceilingKey("b#"));
    assertEquals("z", strings.getOrDefault("b#3", "z"));
    assertEquals(2, strings.size());
  }

  private static <V> TreeMap<String, V> contents(LayeredMap<V> map) {
    TreeMap<String, V> out = new TreeMap<>();
    for (Map.Entry<String, V> e : map.entries()) out.put(e.getKey(), e.getValue());
    return out;
  }
}
