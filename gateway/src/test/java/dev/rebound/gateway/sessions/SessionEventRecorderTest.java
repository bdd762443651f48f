package dev.rebound.gateway.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.EmbeddedCheckpointStore;
import dev.rebound.store.EmbeddedStoreOptions;
import dev.rebound.store.SessionEvent;
import dev.rebound.store.SessionKey;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionEventRecorderTest {
  private static final SessionKey KEY = new SessionKey("acme", "s1");

  @TempDir Path dir;
  private Vertx vertx;
  private EmbeddedCheckpointStore real;
  /** The real store, counting the event writes that reach it. */
  private CheckpointStore store;
  private final AtomicInteger eventWrites = new AtomicInteger();
  private final List<GatewayEvent> passedOn = new CopyOnWriteArrayList<>();
  private SessionEventRecorder recorder;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    real = EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir)).await();
    store = (CheckpointStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {CheckpointStore.class},
        (proxy, method, args) -> {
          if (method.getName().equals("appendEvents")) eventWrites.incrementAndGet();
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    recorder = new SessionEventRecorder(passedOn::add, vertx, () -> store);
  }

  @AfterEach
  void tearDown() {
    real.close().await();
    vertx.close().await();
  }

  @Test
  void aTurnsDecisionsAreWrittenInOneStoreWriteInOrderWithTheTimesTheyWereMade() {
    Instant t0 = Instant.parse("2026-11-21T10:00:00Z");
    List<String> types = List.of("route", "checkpoint", "answered", "checkpoint");
    for (int i = 0; i < types.size(); i++) recorder.emit(event(KEY, types.get(i), t0.plusMillis(i)));

    recorder.flush(KEY).await();

    List<SessionEvent> stored = real.events(KEY, null, 100).await();
    assertEquals(types, stored.stream().map(SessionEvent::type).toList());
    assertEquals(t0.plusMillis(2), stored.get(2).at());
    assertEquals("{\"n\":2}", stored.get(2).json());
    assertEquals(1, eventWrites.get(), "one store write for the whole turn");
    assertEquals(4, passedOn.size(), "every event also goes on to the next sink");
  }

  @Test
  void eventsAreWrittenWithinTheLingerWithoutAnyoneAskingForThem() {
    recorder.emit(event(KEY, "route", Instant.now()));

    Promise<Void> seen = Promise.promise();
    long deadline = System.currentTimeMillis() + 5_000;
    vertx.setPeriodic(20, id -> real.events(KEY, null, 10).onSuccess(events -> {
      if (!events.isEmpty() || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        seen.tryComplete();
      }
    }));
    seen.future().await();
    assertEquals(1, real.events(KEY, null, 10).await().size());
  }

  @Test
  void eventsMadeWhileAWriteIsInFlightFollowInTheNextWriteAndNoneIsLostOrReordered() {
    int total = SessionEventRecorder.MAX_PENDING + 7;
    // the first MAX_PENDING are written at once; the rest arrive while that write is in flight
    vertx.runOnContext(v -> {
      for (int i = 0; i < total; i++) recorder.emit(event(KEY, "retry", Instant.now(), i));
    });
    Promise<Void> emitted = Promise.promise();
    vertx.runOnContext(v -> emitted.complete());
    emitted.future().await();

    recorder.flush(KEY).await();

    List<SessionEvent> stored = real.events(KEY, null, 1000).await();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) expected.add("{\"n\":" + i + "}");
    assertEquals(expected, stored.stream().map(SessionEvent::json).toList());
    assertEquals(2, eventWrites.get(), "a full batch at once, then the rest together");
  }

  @Test
  void sessionsAreWrittenSeparatelyAndEventsOfNoSessionOnlyGoOn() {
    SessionKey other = new SessionKey("acme", "s2");
    recorder.emit(event(KEY, "route", Instant.now()));
    recorder.emit(event(other, "route", Instant.now()));
    recorder.emit(new GatewayEvent(Instant.now(), EventType.BREAKER, null, "backend open", Map.of()));

    recorder.flushAll().await();

    assertEquals(1, real.events(KEY, null, 10).await().size());
    assertEquals(1, real.events(other, null, 10).await().size());
    assertEquals(2, eventWrites.get());
    assertEquals(3, passedOn.size());
    assertTrue(recorder.flush(KEY).succeeded(), "nothing left to write: done at once");
  }

  private static GatewayEvent event(SessionKey key, String type, Instant at) {
    return event(key, type, at, type.equals("answered") ? 2 : 0);
  }

  private static GatewayEvent event(SessionKey key, String type, Instant at, int n) {
    return new GatewayEvent(at, EventType.of(type), key.tenant(), key.id(), type + " " + n, Map.of("n", n));
  }
}
