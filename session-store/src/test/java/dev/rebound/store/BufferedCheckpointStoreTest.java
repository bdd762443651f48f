package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static dev.rebound.store.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Degraded mode against a redis-server of its own (the shared one stays up for the other tests), stopped and
 * restarted on the same port with its append-only file, so what was written before the outage survives it.
 */
@ExtendWith(VertxExtension.class)
class BufferedCheckpointStoreTest {

  @Test
  void buffersWritesWhileRedisIsDownAndFlushesThemInOrderWhenItIsBack(Vertx vertx) {
    RedisServerFixture server = RedisServerFixture.startPrivate();
    List<String> transitions = new CopyOnWriteArrayList<>();
    RedisCheckpointStore redis = new RedisCheckpointStore(vertx,
        RedisStoreOptions.of(server.url()).withTimeout(Duration.ofSeconds(1)));
    BufferedCheckpointStore store = new BufferedCheckpointStore(vertx, redis,
        new BufferedStoreOptions(5, Duration.ofMillis(100), Duration.ofMillis(400), null), transitions::add);
    SessionKey key = new SessionKey("buffered", "s-" + UUID.randomUUID());
    try {
      SessionMeta v1 = await(store.append(key, Append.of(0, user("q1"))));
      failure(store.append(key, Append.of(0, user("conflict"))), StaleWriteException.class);
      assertFalse(store.degraded(), "a rejected write is not an outage");
      assertEquals(0, store.queued());

      server.stop();
      SessionMeta p2 = await(store.append(key, Append.of(v1.version(), assistant("a1"))
          .withCheckpoint(new CheckpointDraft(CheckpointKind.AUTO, null, "[]", 3, "turn"))));
      assertEquals(BufferedCheckpointStore.BUFFERED, p2.status());
      assertEquals(2, p2.version(), "provisional version = expected + 1, so the caller keeps going");
      assertTrue(store.degraded());
      assertEquals(1, store.queued());
      assertTrue(transitions.get(0).startsWith("degraded"), transitions.toString());

      SessionMeta p3 = await(store.append(key, Append.of(p2.version(), user("q2"))));
      String eventId = await(store.appendEvent(key, "retry", "upstream 429", "{\"wait\":\"2s\"}"));
      assertTrue(eventId.startsWith(BufferedCheckpointStore.BUFFERED), eventId);
      SessionMeta p4 = await(store.append(key, Append.of(p3.version(),
          NewMessage.partial("assistant", "{\"role\":\"assistant\",\"content\":\"a2 so f\"}"))));
      SessionMeta p5 = await(store.append(key, Append.of(p4.version(), assistant("a2 complete")).replacingPartial()));
      assertEquals(5, p5.version());
      assertEquals(5, store.queued());

      SessionMeta overflow = await(store.append(key, Append.of(p5.version(), user("one too many"))));
      assertEquals(BufferedCheckpointStore.DROPPED, overflow.status());
      assertEquals(1, store.dropped());
      assertEquals(5, store.queued());
      assertTrue(transitions.stream().anyMatch(t -> t.contains("dropped")), transitions.toString());

      failure(store.meta(key), StoreUnavailableException.class);
      failure(store.fork(key, 1, new SessionKey("buffered", "f-" + UUID.randomUUID())),
          StoreUnavailableException.class);
      failure(store.ping(), StoreUnavailableException.class);

      server.start();
      // the listener hears of the recovery just after degraded() turns false
      until(Duration.ofSeconds(15), "the queue flushed", () -> !store.degraded()
          && transitions.get(transitions.size() - 1).startsWith("recovered"));
      assertEquals(0, store.queued());

      // read straight from Redis, not through the buffer
      SessionMeta meta = await(redis.meta(key));
      assertEquals(5, meta.version(), "1 write before the outage + 4 replayed in order");
      assertEquals(List.of("q1", "a1", "q2", "a2 complete"), await(redis.messages(key, 0, 99)).stream()
          .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList());
      assertFalse(await(redis.messages(key, 3, 4)).get(0).partial());
      assertEquals(2, await(redis.checkpoint(key, 1)).messageCount());
      SessionEvent event = await(redis.events(key, null, 10)).get(0);
      assertEquals("upstream 429", event.reason());

      SessionMeta after = await(store.append(key, Append.of(meta.version(), user("q3"))));
      assertEquals(6, after.version(), "normal service again");
      assertEquals(SessionMeta.ACTIVE, after.status());
    } finally {
      await(store.close());
      server.stop();
    }
  }

  private static NewMessage user(String text) {
    return NewMessage.of("user", "{\"role\":\"user\",\"content\":" + Json.encode(text) + "}");
  }

  private static NewMessage assistant(String text) {
    return NewMessage.of("assistant", "{\"role\":\"assistant\",\"content\":" + Json.encode(text) + "}");
  }
}
