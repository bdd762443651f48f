package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the MVStore file store, plus restart survival. */
class EmbeddedCheckpointStoreTest extends CheckpointStoreContract {

  @TempDir
  Path dir;

  private final AtomicInteger stores = new AtomicInteger();

  @Override
  protected Future<? extends CheckpointStore> newStore(Vertx vertx, Clock clock, Duration ttl, int maxEvents) {
    // one directory per store: the file is locked by the store that has it open
    Path own = dir.resolve("store-" + stores.incrementAndGet());
    return EmbeddedCheckpointStore.open(vertx, new EmbeddedStoreOptions(own, ttl, maxEvents,
        EmbeddedStoreOptions.DEFAULT_PURGE_INTERVAL, clock));
  }

  @Override
  protected void age(SessionKey key, Duration by) {
    clock.advance(by);
  }

  @Test
  void aKeptResponseSurvivesARestartAndExpiresWithTheStoresTtl() {
    Path home = dir.resolve("responses");
    EmbeddedStoreOptions options = EmbeddedStoreOptions.of(home).withClock(clock).withTtl(Duration.ofHours(1));
    CheckpointStore first = await(EmbeddedCheckpointStore.open(vertx, options));
    StoredResponse kept = new StoredResponse(tenant, "resp_durable", "chain", 1, "{\"id\":\"resp_durable\"}", clock.instant());
    await(first.putResponse(kept));
    await(first.close());
    CheckpointStore second = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      assertEquals(kept, await(second.response(tenant, "resp_durable")));
      clock.advance(Duration.ofMinutes(61));
      assertNull(await(second.response(tenant, "resp_durable")), "gone after the TTL");
    } finally {
      await(second.close());
    }
  }

  @Test
  void survivesARestartOfTheStore() {
    Path home = dir.resolve("restart");
    EmbeddedStoreOptions options = EmbeddedStoreOptions.of(home).withClock(clock);
    CheckpointStore first = await(EmbeddedCheckpointStore.open(vertx, options));
    SessionKey key = key("durable");
    SessionMeta v = await(first.append(key, Append.of(0, user("q1"), assistant("a1")).withCheckpoint(auto("[\"v\"]"))
        .withMeta(new MetaChange("openai", "coder", null, 1, 7))));
    String eventId = await(first.appendEvent(key, "checkpoint", "auto", null));
    await(first.close());
    assertTrue(Files.exists(home.resolve(EmbeddedCheckpointStore.FILE_NAME)));
    failure(first.meta(key), IllegalStateException.class);

    CheckpointStore second = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      assertEquals(v, await(second.meta(key)));
      assertEquals(List.of("q1", "a1"), await(second.messages(key, 0, 10)).stream()
          .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content"))
          .toList());
      assertEquals("[\"v\"]", await(second.checkpoint(key, 1)).contextView());
      assertEquals(eventId, await(second.events(key, null, 10)).get(0).id());
      assertEquals(List.of(key.id()), await(second.list(tenant, 0, 10)).stream().map(m -> m.key().id()).toList());
      SessionMeta next = await(second.append(key, Append.of(v.version(), user("q2"))));
      assertEquals(3, next.messageCount());
      String laterEvent = await(second.appendEvent(key, "retry", null, null));
      assertTrue(Long.parseLong(laterEvent) > Long.parseLong(eventId), "event ids keep increasing across restarts");
    } finally {
      await(second.close());
    }
  }

  @Test
  void aSecondStoreOnTheSameDirectoryFailsSayingTheStoreIsInUseThere() {
    Path home = dir.resolve("taken");
    CheckpointStore first = await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(home)));
    try {
      StoreInUseException e = failure(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(home)),
          StoreInUseException.class);
      assertEquals(home.toAbsolutePath(), e.directory());
      assertEquals("the embedded store at " + home.toAbsolutePath() + " is in use by another process (its file is locked)",
          e.getMessage());
    } finally {
      await(first.close());
    }
  }

  @Test
  void operationsQueuedTogetherRunInOrderAndAFailedOneLeavesNoTrace() {
    // queued without waiting: the worker takes them in batches, each batch one transaction
    List<Future<SessionMeta>> appends = new java.util.ArrayList<>();
    List<Future<SessionMeta>> stale = new java.util.ArrayList<>();
    List<Future<String>> events = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      SessionKey key = key("batch-" + i);
      appends.add(store.append(key, Append.of(0, user("q" + i))));
      stale.add(store.append(key, Append.of(0, user("again"))));
      events.add(store.appendEvent(key, "checkpoint", "n" + i, null));
      appends.add(store.append(key, Append.of(1, assistant("a" + i)).withCheckpoint(auto("[]"))));
    }
    for (Future<SessionMeta> f : appends) await(f);
    for (Future<SessionMeta> f : stale) failure(f, StaleWriteException.class);
    for (int i = 0; i < 100; i++) {
      SessionKey key = key("batch-" + i);
      SessionMeta meta = await(store.meta(key));
      assertEquals(2, meta.version());
      assertEquals(List.of("q" + i, "a" + i), await(store.messages(key, 0, 10)).stream()
          .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList());
      assertEquals(1, meta.checkpointCount());
      assertEquals(await(events.get(i)), await(store.events(key, null, 10)).get(0).id());
    }
  }

  @Test
  void keysArePaddedAsTheFormatterWouldPadThem() {
    for (long n : new long[] {0, 1, 9, 10, 123456789, 1_700_000_000_000L, Long.MAX_VALUE - 1_700_000_000_000L,
        Long.MAX_VALUE, -1, -42}) {
      assertEquals(String.format("%019d", n), EmbeddedCheckpointStore.padded(new StringBuilder(), n).toString());
    }
  }

  @Test
  void theFileReusesTheSpaceOfWhatWasRewrittenInsteadOfGrowingWithEveryCommit() throws Exception {
    Path home = dir.resolve("space");
    EmbeddedCheckpointStore store = await(EmbeddedCheckpointStore.open(vertx,
        EmbeddedStoreOptions.of(home).withClock(clock)));
    try {
      await(store.retainDeadChunksFor(0)); // not 45 s: the test's dead chunks may be reused at once
      SessionKey key = key("rewritten");
      long version = await(store.append(key, Append.of(0, user("q")))).version();
      // a streamed answer saved as a partial again and again, 3 KB each time: every commit writes a chunk of its own,
      // and MVStore's background writer, which freed dead chunks, is off: the store's own commits must do it
      String part = "{\"role\":\"assistant\",\"content\":\"" + "x".repeat(3000) + "\"}";
      for (int i = 0; i < 200; i++) {
        version = await(store.append(key, Append.of(version, NewMessage.partial("assistant", part))
            .replacingPartial())).version();
      }
      long size = Files.size(home.resolve(EmbeddedCheckpointStore.FILE_NAME));
      assertTrue(size < 256 * 1024, "200 commits of 3 KB each, one live: the file is " + size + " bytes");
    } finally {
      await(store.close());
    }
  }

  @Test
  void onlyAWriteThatEndsWithACompleteAnswerWaitsForTheFsync() {
    assertFalse(EmbeddedCheckpointStore.storesAnAnswer(Append.of(3, user("q2"))), "the user turn, on the way in");
    assertFalse(EmbeddedCheckpointStore.storesAnAnswer(Append.of(4, NewMessage.partial("assistant", "{\"a\":1}"))
        .replacingPartial()), "a partial answer");
    assertFalse(EmbeddedCheckpointStore.storesAnAnswer(Append.of(4).withCheckpoint(auto("[]"))), "a checkpoint alone");
    assertTrue(EmbeddedCheckpointStore.storesAnAnswer(Append.of(4, assistant("a2")).replacingPartial()), "the answer");
    assertTrue(EmbeddedCheckpointStore.storesAnAnswer(Append.of(0, user("q1"), assistant("a1"), user("q2"),
        assistant("prefill"))), "a request ending in an assistant's message: durable when in doubt");
  }

  @Test
  void purgesExpiredSessionsFromDiskPeriodically() {
    Path home = dir.resolve("purge");
    EmbeddedStoreOptions options = new EmbeddedStoreOptions(home, Duration.ofSeconds(2), 100, Duration.ofMillis(50),
        clock);
    EmbeddedCheckpointStore purging = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      SessionKey key = key("old");
      await(purging.append(key, Append.of(0, user("x"))));
      assertEquals(1, await(purging.storedSessions()));
      clock.advance(Duration.ofSeconds(3));
      // nobody reads it: the purge timer removes it from disk
      Await.until(Duration.ofSeconds(5), "purged", () -> await(purging.storedSessions()) == 0);
    } finally {
      await(purging.close());
    }
  }
}
