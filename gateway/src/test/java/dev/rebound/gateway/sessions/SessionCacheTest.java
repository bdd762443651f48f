package dev.rebound.gateway.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rebound.store.SessionKey;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionCacheTest {
  static SessionCache.Known known(int messages) {
    return new SessionCache.Known(1, null, 0, Collections.nCopies(messages, "id"));
  }

  @Test
  void theLeastRecentlyUsedSessionsGoFirstOnceTheMessagesHeldPassTheBound() {
    SessionCache cache = new SessionCache(100, 10);
    SessionKey a = SessionKey.of("t", "a");
    SessionKey b = SessionKey.of("t", "b");
    SessionKey c = SessionKey.of("t", "c");
    cache.put(a, known(4));
    cache.put(b, known(4));
    cache.get(a);
    cache.put(c, known(4));
    assertNull(cache.get(b), "b was used least recently");
    assertNotNull(cache.get(a));
    assertEquals(8, cache.messages());
    cache.advance(c, 1, 2, 1, List.of("x", "y", "z"));
    assertEquals(7, cache.messages(), "a went: c alone holds 7");
    assertEquals(1, cache.size());
    cache.put(a, known(50));
    assertEquals(1, cache.size(), "the session just written stays, however long");
    assertEquals(50, cache.messages());
    cache.forget(a);
    assertEquals(0, cache.messages());
  }

  @Test
  void atMostCapacitySessionsAreRemembered() {
    SessionCache cache = new SessionCache(3, 1_000);
    for (int i = 0; i < 10; i++) cache.put(SessionKey.of("t", "s" + i), known(1));
    assertEquals(3, cache.size());
    assertEquals(3, cache.messages());
  }
}
