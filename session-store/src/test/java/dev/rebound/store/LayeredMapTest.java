package dev.rebound.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;

class LayeredMapTest {
  private final MVStore memory = new MVStore.Builder().open();
  private final MVMap<String, String> base = memory.openMap("m");
  private final LayeredMap<String> map = new UndoLog().over(base);

  private List<String> keysFrom(String from) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = map.keyIterator(from); it.hasNext(); ) out.add(it.next());
    return out;
  }

  @Test
  void readsAndWalksSeeTheNewestLayerHoldingAKeyAndLeaveOutRemovedOnes() {
    for (String k : List.of("a", "b", "c", "d")) base.put(k, "base-" + k);
    map.put("b", "frozen-b");
    map.remove("c");
    map.put("e", "frozen-e");
    map.remove("d");
    map.freeze(); // the checkpointer's layer now
    map.put("c", "top-c"); // back, over its removal
    map.remove("e");
    map.put("f", "top-f");

    assertEquals("base-a", map.get("a"));
    assertEquals("frozen-b", map.get("b"));
    assertEquals("top-c", map.get("c"));
    assertNull(map.get("d"));
    assertNull(map.get("e"));
    assertEquals(List.of("a", "b", "c", "f"), keysFrom(""));
    assertEquals(List.of("c", "f"), keysFrom("bb"));
    assertEquals("c", map.ceilingKey("bb"));
    assertNull(map.ceilingKey("g"));
    assertEquals(4, map.size());
    TreeMap<String, String> all = new TreeMap<>();
    for (Map.Entry<String, String> e : map.entries()) all.put(e.getKey(), e.getValue());
    assertEquals(Map.of("a", "base-a", "b", "frozen-b", "c", "top-c", "f", "top-f"), all);

    // the checkpointer copies the frozen layer; what the worker reads does not change
    map.copyFrozenToBase();
    assertEquals(new TreeMap<>(Map.of("a", "base-a", "b", "frozen-b", "e", "frozen-e")), new TreeMap<>(base));
    map.dropFrozen();
    assertEquals(List.of("a", "b", "c", "f"), keysFrom(""));
    assertNull(map.get("e"));

    map.copyAllToBase();
    assertEquals(new TreeMap<>(Map.of("a", "base-a", "b", "frozen-b", "c", "top-c", "f", "top-f")), new TreeMap<>(base));
  }
}
