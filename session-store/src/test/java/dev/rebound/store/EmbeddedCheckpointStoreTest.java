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
  void survivesARestartOfTheStore() throws Exception {
    Path home = dir.resolve("restart");
    EmbeddedStoreOptions options = EmbeddedStoreOptions.of(home).withClock(clock);
    CheckpointStore first = await(EmbeddedCheckpointStore.open(vertx, options));
    SessionKey key = key("durable");
    Turn turn = storeATurn(first, key);
    await(first.close());
    assertTrue(Files.exists(home.resolve(EmbeddedCheckpointStore.FILE_NAME)));
    assertEquals(0, Files.size(home.resolve(RedoLog.FILE_NAME)), "closed: everything is in the store file");
    assertEquals(0, Files.size(home.resolve(RedoLog.OTHER_FILE_NAME)), "closed: both logs are empty");
    failure(first.meta(key), IllegalStateException.class);

    CheckpointStore second = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      assertHolds(second, key, turn);
      SessionMeta next = await(second.append(key, Append.of(turn.meta().version(), user("q2"))));
      assertEquals(3, next.messageCount());
      String laterEvent = await(second.appendEvent(key, "retry", null, null));
      assertTrue(Long.parseLong(laterEvent) > Long.parseLong(turn.eventId()), "event ids keep increasing across restarts");
    } finally {
      await(second.close());
    }
  }

  @Test
  void aTurnAnsweredAsStoredSurvivesACrashBeforeTheStoreFileIsNextWritten() throws Exception {
    Path home = dir.resolve("crash");
    EmbeddedCheckpointStore store = openAt(home);
    try {
      for (int attempt = 1; ; attempt++) {
        SessionKey key = key("crash-" + attempt);
        SessionMeta meta = await(store.append(key, Append.of(0, user("q1"), assistant("a1"))
            .withCheckpoint(auto("[\"v\"]"))));
        // what kill -9 leaves: the two files as they are now
        Path copy = dir.resolve("crash-copy-" + attempt);
        Files.createDirectories(copy);
        for (String name : List.of(EmbeddedCheckpointStore.FILE_NAME, RedoLog.FILE_NAME, RedoLog.OTHER_FILE_NAME)) {
          Files.copy(home.resolve(name), copy.resolve(name));
        }
        // the store file is written once a second; a copy taken just after that holds the turn without the log
        if (Files.size(copy.resolve(RedoLog.FILE_NAME)) + Files.size(copy.resolve(RedoLog.OTHER_FILE_NAME)) == 0) {
          assertTrue(attempt < 5, "the store file was written just before each of " + attempt + " copies");
          continue;
        }
        EmbeddedCheckpointStore after = openAt(copy);
        try {
          assertEquals(meta, await(after.meta(key)));
          assertEquals(List.of("q1", "a1"), await(after.messages(key, 0, 10)).stream()
              .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList());
          assertEquals("[\"v\"]", await(after.checkpoint(key, 1)).contextView());
        } finally {
          await(after.close());
        }
        return;
      }
    } finally {
      await(store.close());
    }
  }

  @Test
  void turnsAreStoredAndReadWhileCheckpointsRunInTheBackgroundAndACrashCopyHoldsEveryAnsweredOne() throws Exception {
    Path home = dir.resolve("background");
    EmbeddedCheckpointStore store = openAt(home);
    int sessions = 40;
    // 40 x 16 turns of 4 KB that do not compress: past the log's 1 MB several times; more while fewer than two
    // checkpoints have started (a slow disk keeps the first one running longer)
    java.util.Random random = new java.util.Random(7);
    StringBuilder text = new StringBuilder();
    while (text.length() < 4000) text.append(Long.toString(random.nextLong(), 36));
    String padding = text.toString();
    try {
      long[] versions = new long[sessions];
      int turns = 0;
      for (int t = 0; t < 16 || (t < 200 && await(store.backgroundCheckpoints()) < 2); t++) {
        turns = t + 1;
        List<Future<SessionMeta>> round = new java.util.ArrayList<>();
        for (int s = 0; s < sessions; s++) {
          round.add(store.append(key("bg-" + s), Append.of(versions[s], user("q" + t + padding), assistant("a" + t))));
        }
        for (int s = 0; s < sessions; s++) versions[s] = await(round.get(s)).version();
        // read between the writes: the layers over the MVStore maps, whichever a checkpoint has taken
        assertEquals(2 * (t + 1), await(store.messages(key("bg-" + (t % sessions)), 0, 1000)).size());
      }
      long started = await(store.backgroundCheckpoints());
      assertTrue(started >= 2, "checkpoints in the background: " + started);

      Path copy = dir.resolve("background-copy"); // what kill -9 leaves now
      Files.createDirectories(copy);
      for (String name : List.of(EmbeddedCheckpointStore.FILE_NAME, RedoLog.FILE_NAME, RedoLog.OTHER_FILE_NAME)) {
        Files.copy(home.resolve(name), copy.resolve(name));
      }
      EmbeddedCheckpointStore after = openAt(copy);
      try {
        for (int s = 0; s < sessions; s++) {
          assertEquals(versions[s], await(after.meta(key("bg-" + s))).version());
          List<String> contents = await(after.messages(key("bg-" + s), 0, 1000)).stream()
              .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList();
          assertEquals(2 * turns, contents.size());
          assertEquals("q" + (turns - 1) + padding, contents.get(2 * turns - 2));
          assertEquals("a" + (turns - 1), contents.get(2 * turns - 1));
        }
      } finally {
        await(after.close());
      }
    } finally {
      await(store.close());
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
    EmbeddedCheckpointStore store = openAt(home);
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
        await(store.writeNow()); // a partial is not durable: written here, not only at the next answer
      }
      long size = Files.size(home.resolve(EmbeddedCheckpointStore.FILE_NAME));
      assertTrue(size < 256 * 1024, "200 commits of 3 KB each, one live: the file is " + size + " bytes");
    } finally {
      await(store.close());
    }
  }

  @Test
  void aWriteThatIsNotDurableReachesTheFileWithinASecondWithoutAnyOtherWrite() throws Exception {
    Path home = dir.resolve("periodic");
    EmbeddedCheckpointStore store = openAt(home);
    try {
      SessionKey key = key("user-turn-only");
      await(store.append(key, Append.of(0, user("q1")))); // the user turn: answered before it is in the file
      Await.until(Duration.ofSeconds(5), "written by the periodic write",
          () -> onDisk(home).containsAll(List.of(EmbeddedCheckpointStore.LAYOUT + "rows:" + tenant + "/" + key.id(),
              EmbeddedCheckpointStore.LAYOUT + "meta:" + numbered(1))));
    } finally {
      await(store.close());
    }
  }

  @Test
  void movesASessionInTheListingAtMostOnceASecondAndRemovesItFromWhereverItIsListed() {
    Path home = dir.resolve("listing");
    EmbeddedCheckpointStore first = openAt(home);
    SessionMeta a = await(first.append(key("a"), Append.of(0, user("q"))));
    clock.advance(Duration.ofMillis(100));
    await(first.append(key("b"), Append.of(0, user("q"))));
    clock.advance(Duration.ofMillis(400));
    a = await(first.append(key("a"), Append.of(a.version(), assistant("x"))));
    assertEquals(List.of("b", "a"), ids(await(first.list(tenant, 0, 10))),
        "the turn's second write, 500 ms after the first, keeps a's place");
    assertEquals(clock.millis(), a.updated().toEpochMilli(), "the session itself is updated");
    await(first.close());

    EmbeddedCheckpointStore second = openAt(home); // where a is listed was stored, not only remembered
    try {
      clock.advance(Duration.ofMillis(600));
      a = await(second.append(key("a"), Append.of(a.version(), user("next"))));
      assertEquals(List.of("a", "b"), ids(await(second.list(tenant, 0, 10))), "a second after its last move: moved");
      clock.advance(Duration.ofMillis(300));
      await(second.append(key("a"), Append.of(a.version(), assistant("y"))));
      assertTrue(await(second.delete(key("a"))));
      assertEquals(List.of("b"), ids(await(second.list(tenant, 0, 10))), "deleted from where it was listed");
    } finally {
      await(second.close());
    }
  }

  @Test
  void pushesASessionsExpiryBackOnceATenthOfTheTtlHasPassedSinceItWasSet() {
    CheckpointStore shortLived = open(Duration.ofSeconds(10), 1000);
    SessionKey soon = key("soon");
    SessionMeta v = await(shortLived.append(soon, Append.of(0, user("q"))));
    clock.advance(Duration.ofMillis(500));
    await(shortLived.append(soon, Append.of(v.version(), assistant("a")))); // under a tenth: its expiry stays
    clock.advance(Duration.ofMillis(9_500));
    assertNull(await(shortLived.meta(soon)), "expired 0.95 TTL after its last write");

    SessionKey later = key("later");
    v = await(shortLived.append(later, Append.of(0, user("q"))));
    clock.advance(Duration.ofSeconds(1));
    await(shortLived.append(later, Append.of(v.version(), assistant("a")))); // a tenth: pushed back
    clock.advance(Duration.ofMillis(9_500));
    assertEquals(2, await(shortLived.meta(later)).messageCount(), "alive 10.5 s after creation");

    // the meta carries its expiry; an event that pushes it back moves the meta's copy too
    SessionKey talked = key("talked");
    await(shortLived.append(talked, Append.of(0, user("q"))));
    clock.advance(Duration.ofSeconds(2));
    await(shortLived.appendEvent(talked, "feedback", "a vote", null));
    clock.advance(Duration.ofSeconds(9));
    assertEquals(1, await(shortLived.meta(talked)).messageCount(), "alive 11 s after its write, 9 s after its event");
    clock.advance(Duration.ofSeconds(2));
    assertNull(await(shortLived.meta(talked)), "expired a TTL after the event");
  }

  @Test
  void aSessionWhoseMetaHasNoExpiryYetExpiresByTheExpiryMapAndGetsOneWithItsNextWrite() {
    Path home = dir.resolve("meta-without-expiry");
    EmbeddedStoreOptions options = optionsAt(home, Duration.ofSeconds(10), 100);
    SessionKey old = key("old-meta");
    SessionKey going = key("old-meta-going");
    CheckpointStore first = await(EmbeddedCheckpointStore.open(vertx, options));
    SessionMeta v = await(first.append(old, Append.of(0, user("q"))));
    await(first.append(going, Append.of(0, user("q"))));
    await(first.close());
    // as an earlier version wrote the metas: without "expires"
    org.h2.mvstore.MVStore file = rawFile(home);
    org.h2.mvstore.MVMap<String, byte[]> metas = file.openMap(EmbeddedCheckpointStore.LAYOUT + "meta");
    for (SessionKey k : List.of(old, going)) {
      String metaKey =
          numbered(file.<String, Long>openMap(EmbeddedCheckpointStore.LAYOUT + "rows").get(tenant + "/" + k.id()));
      JsonObject meta = new JsonObject(io.vertx.core.buffer.Buffer.buffer(metas.get(metaKey)));
      assertTrue(meta.containsKey("expires"), "written with it now");
      meta.remove("expires");
      metas.put(metaKey, meta.toBuffer().getBytes());
    }
    file.commit();
    file.close();

    CheckpointStore second = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      clock.advance(Duration.ofSeconds(2));
      await(second.append(old, Append.of(v.version(), assistant("a")))); // pushes it back, into the meta as well
      clock.advance(Duration.ofSeconds(9));
      assertNull(await(second.meta(going)), "expired 11 s after its write: the expiry map said so");
      assertEquals(2, await(second.meta(old)).messageCount(), "alive: its write gave the meta the later expiry");
      clock.advance(Duration.ofSeconds(2));
      assertNull(await(second.meta(old)));
    } finally {
      await(second.close());
    }
  }

  @Test
  void readsAMetaAsTheFirstLayoutWroteItWithoutListingExpiryOrUsageAndOneWithEveryField() {
    Path home = dir.resolve("meta-layouts");
    EmbeddedStoreOptions options = optionsAt(home, Duration.ofDays(1), 100);
    SessionKey first = key("first-layout");
    SessionKey full = key("every-field");
    CheckpointStore writer = await(EmbeddedCheckpointStore.open(vertx, options));
    TurnUsage usage = new TurnUsage(12, 3, 4, 5);
    await(writer.append(full, Append.of(0, user("q"), assistant("a").withUsage(usage))
        .withMeta(MetaChange.answered("openai", "agent-a", null, 1, usage))));
    SessionMeta written = await(writer.meta(full));
    await(writer.close());
    org.h2.mvstore.MVStore file = rawFile(home);
    org.h2.mvstore.MVMap<String, byte[]> metas = file.openMap(EmbeddedCheckpointStore.LAYOUT + "meta");
    long created = clock.millis() - 60_000;
    // under its tenant/id, as sessions were keyed before they were numbered
    metas.put(tenant + "/" + first.id(), ("{\"protocol\":\"anthropic\",\"created\":" + created + ",\"updated\":"
        + (created + 5) + ",\"turns\":3,\"tokens\":42,\"status\":\"active\",\"agent\":null,\"version\":7,"
        + "\"messageCount\":1,\"checkpointCount\":0,\"forkedFrom\":\"t/x@2\",\"unknownLater\":{\"a\":[1]}}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    file.commit();
    file.close();

    CheckpointStore reader = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      SessionMeta old = await(reader.meta(first));
      assertEquals("anthropic", old.protocol());
      assertEquals(created, old.created().toEpochMilli());
      assertEquals(created + 5, old.updated().toEpochMilli());
      assertEquals(3, old.turns());
      assertEquals(42, old.tokens());
      assertNull(old.agent());
      assertEquals(7, old.version());
      assertEquals("t/x@2", old.forkedFrom());
      assertEquals(TurnUsage.NONE, old.usage());
      assertEquals(written, await(reader.meta(full)), "every field as written");
      assertEquals(usage, await(reader.meta(full)).usage());
    } finally {
      await(reader.close());
    }
  }

  private EmbeddedStoreOptions optionsAt(Path home, Duration ttl, int maxEvents) {
    return new EmbeddedStoreOptions(home, ttl, maxEvents, EmbeddedStoreOptions.DEFAULT_PURGE_INTERVAL, clock);
  }

  /** Where the store keeps the session it numbered {@code n}: the prefix of its keys. */
  private static String numbered(long n) {
    return EmbeddedCheckpointStore.padded(new StringBuilder("~"), n).toString();
  }

  /** The store's file under {@code home}, opened as MVStore itself opens it (to write what an earlier version left). */
  private static org.h2.mvstore.MVStore rawFile(Path home) {
    return new org.h2.mvstore.MVStore.Builder().fileName(home.resolve(EmbeddedCheckpointStore.FILE_NAME).toString())
        .open();
  }

  private EmbeddedCheckpointStore openAt(Path home) {
    return await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(home).withClock(clock)));
  }

  private record Turn(SessionMeta meta, String eventId) {}

  /** A turn with a checkpoint, its meta and an event. */
  private Turn storeATurn(CheckpointStore s, SessionKey key) {
    SessionMeta meta = await(s.append(key, Append.of(0, user("q1"), assistant("a1")).withCheckpoint(auto("[\"v\"]"))
        .withMeta(new MetaChange("openai", "coder", null, 1, 7))));
    return new Turn(meta, await(s.appendEvent(key, "checkpoint", "auto", null)));
  }

  /** {@code s} holds {@code turn} as {@link #storeATurn} stored it: meta, messages, checkpoint, event, listing. */
  private void assertHolds(CheckpointStore s, SessionKey key, Turn turn) {
    assertEquals(turn.meta(), await(s.meta(key)));
    assertEquals(List.of("q1", "a1"), await(s.messages(key, 0, 10)).stream()
        .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList());
    assertEquals("[\"v\"]", await(s.checkpoint(key, 1)).contextView());
    assertEquals(turn.eventId(), await(s.events(key, null, 10)).get(0).id());
    assertEquals(List.of(key.id()), await(s.list(tenant, 0, 10)).stream().map(m -> m.key().id()).toList());
  }

  /** The keys in a copy of the store's file, as it is on disk now: map/key. */
  private java.util.Set<String> onDisk(Path home) {
    Path copy = dir.resolve("copy-" + System.nanoTime() + ".mv.db");
    try {
      Files.copy(home.resolve(EmbeddedCheckpointStore.FILE_NAME), copy);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    org.h2.mvstore.MVStore file = new org.h2.mvstore.MVStore.Builder().fileName(copy.toString()).readOnly().open();
    try {
      java.util.Set<String> keys = new java.util.TreeSet<>();
      for (String map : file.getMapNames()) {
        for (Object k : file.openMap(map).keySet()) keys.add(map + ":" + k);
      }
      return keys;
    } finally {
      file.close();
    }
  }

  @Test
  void eventsWrittenOneRowEachByAnEarlierVersionAreReadPagedAndCappedWithTheNewOnes() {
    Path home = dir.resolve("event-rows");
    EmbeddedStoreOptions options = optionsAt(home, Duration.ofDays(1), 6);
    SessionKey key = key("old-events");
    await(await(EmbeddedCheckpointStore.open(vertx, options)).close()); // creates the file
    // as the earlier version left them: ids 1-4, one JSON row each, with their count and the counter
    org.h2.mvstore.MVStore file = rawFile(home);
    String base = tenant + "/" + key.id();
    for (int id = 1; id <= 4; id++) {
      file.<String, byte[]>openMap(EmbeddedCheckpointStore.LAYOUT + "events").put(base + "#" + "0".repeat(18) + id,
          EventRows.legacyRow(1000L * id, "retry", "old " + id, id == 2 ? "{\"n\":2}" : null));
    }
    file.<String, Long>openMap(EmbeddedCheckpointStore.LAYOUT + "eventCount").put(base, 4L);
    file.<String, Long>openMap(EmbeddedCheckpointStore.LAYOUT + "counters").put("event", 4L);
    file.<String, Long>openMap(EmbeddedCheckpointStore.LAYOUT + "expiry").put(base, clock.millis() + 3_600_000);
    file.commit();
    file.close();

    CheckpointStore store = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      List<SessionEvent> old = await(store.events(key, null, 10));
      assertEquals(List.of("1", "2", "3", "4"), old.stream().map(SessionEvent::id).toList());
      assertEquals("{\"n\":2}", old.get(1).json());
      assertEquals(java.time.Instant.ofEpochMilli(3000), old.get(2).at());
      List<String> added = await(store.appendEvents(key, List.of(new NewEvent(null, "route", "new 5", null),
          new NewEvent(null, "answered", "new 6", null), new NewEvent(null, "checkpoint", "new 7", "{}"))));
      assertEquals(List.of("5", "6", "7"), added);
      assertEquals(List.of("old 2", "old 3", "old 4", "new 5", "new 6", "new 7"),
          await(store.events(key, null, 10)).stream().map(SessionEvent::reason).toList(), "capped at 6: one old row dropped");
      assertEquals(List.of("4", "5"), await(store.events(key, "3", 2)).stream().map(SessionEvent::id).toList());
      assertEquals(List.of("6", "7"), await(store.events(key, "5", 10)).stream().map(SessionEvent::id).toList());
      assertTrue(await(store.delete(key)));
      assertEquals(List.of(), await(store.events(key, null, 10)), "deleted with the session, old rows and new");
    } finally {
      await(store.close());
    }
  }

  @Test
  void sessionsAreNumberedAsTheyAreFirstWrittenSoTheRowsBeingWrittenSitTogetherAtTheEndOfEachMap() {
    Path home = dir.resolve("numbered");
    EmbeddedCheckpointStore store = openAt(home);
    SessionKey zulu = key("zulu");
    SessionKey alpha = key("alpha");
    try {
      storeATurn(store, zulu);
      await(store.appendEvent(alpha, "route", "before its first turn", null)); // events first: numbered then
      storeATurn(store, alpha);
      await(store.delete(zulu));
      SessionMeta again = await(store.append(zulu, Append.of(0, user("fresh"))));
      assertEquals(1, again.messageCount());
      assertEquals(List.of("fresh"), await(store.messages(zulu, 0, 10)).stream()
          .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList(), "nothing old came back");
    } finally {
      await(store.close());
    }
    String one = numbered(1) + "#";
    String two = numbered(2) + "#";
    String three = numbered(3) + "#";
    String first = "0".repeat(19);
    java.util.Set<String> keys = onDisk(home);
    String layout = EmbeddedCheckpointStore.LAYOUT;
    for (String rowMap : List.of("msgs", "cps", "events")) {
      List<String> rows = keys.stream().filter(k -> k.startsWith(layout + rowMap + ":")).toList();
      assertTrue(rows.stream().allMatch(k -> k.startsWith(layout + rowMap + ":~")), rowMap + " rows by number: " + rows);
      assertTrue(rows.stream().noneMatch(k -> k.contains(one)), "the deleted session's rows are gone: " + rows);
    }
    assertTrue(keys.containsAll(List.of(layout + "msgs:" + two + first, layout + "msgs:" + two + "0".repeat(18) + "1",
        layout + "cps:" + two + "0".repeat(18) + "1", layout + "events:" + two + "0".repeat(18) + "2",
        layout + "msgs:" + three + first, layout + "rows:" + tenant + "/alpha", layout + "rows:" + tenant + "/zulu")),
        "alpha's events and messages under its number, 2; zulu, deleted and written again, under 3: " + keys);
    org.h2.mvstore.MVStore file = rawFile(home);
    try {
      assertEquals(2L, file.<String, Long>openMap(layout + "rows").get(tenant + "/alpha"));
      assertEquals(3L, file.<String, Long>openMap(layout + "rows").get(tenant + "/zulu"));
      org.h2.mvstore.MVMap<String, byte[]> metas = file.openMap(layout + "meta");
      assertEquals(List.of(numbered(2), numbered(3)), List.copyOf(metas.keySet()),
          "the metas are under the numbers too: a turn rewrites pages at the end of the map");
      assertEquals(List.of(numbered(2)),
          List.copyOf(file.<String, Long>openMap(layout + "eventCount").keySet()), "and the events' count");
    } finally {
      file.close();
    }
  }

  @Test
  void aNumberGivenByAnOperationThatFailedIsTakenBackWithTheRestOfItAndServesTheNextNewSessionAlone() {
    SessionKey ghost = key("ghost");
    SessionKey other = key("other");
    // numbered, then failing: an event time past what epoch millis can hold
    failure(store.appendEvents(ghost, List.of(new NewEvent(java.time.Instant.MAX, "route", "too late", null))),
        ArithmeticException.class);
    assertEquals(List.of(), await(store.events(ghost, null, 10)));
    await(store.append(other, Append.of(0, user("theirs")))); // the number the failed operation had taken
    SessionMeta mine = await(store.append(ghost, Append.of(0, user("mine"))));
    assertEquals(1, mine.version(), "a session of its own, not the one under the number it lost");
    assertEquals(List.of("mine"), await(store.messages(ghost, 0, 10)).stream()
        .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList());
    assertEquals(List.of("theirs"), await(store.messages(other, 0, 10)).stream()
        .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList());
  }

  @Test
  void aSessionWrittenBeforeSessionsWereNumberedKeepsItsRowsUnderItsIdThroughEveryOperation() {
    Path home = dir.resolve("unnumbered");
    SessionKey key = key("earlier");
    EmbeddedCheckpointStore store = openAt(home);
    Turn turn = storeATurn(store, key);
    await(store.close());
    // as the version before numbering left it: everything under tenant/id, no number in "rows"
    String base = tenant + "/" + key.id();
    String layout = EmbeddedCheckpointStore.LAYOUT;
    org.h2.mvstore.MVStore file = rawFile(home);
    for (String rowMap : List.of("msgs", "cps", "events")) {
      org.h2.mvstore.MVMap<String, byte[]> rows = file.openMap(layout + rowMap);
      for (String k : List.copyOf(rows.keySet())) rows.put(base + k.substring(k.indexOf('#')), rows.remove(k));
    }
    for (String bySession : List.of("meta", "eventCount")) {
      org.h2.mvstore.MVMap<String, Object> map = file.openMap(layout + bySession);
      map.put(base, map.remove(numbered(1)));
    }
    file.<String, Long>openMap(layout + "rows").clear();
    file.commit();
    file.close();

    store = openAt(home);
    SessionKey forked = key("forked");
    try {
      assertHolds(store, key, turn);
      SessionMeta second = await(store.append(key, Append.of(turn.meta().version(), user("q2"), assistant("a2"))
          .withCheckpoint(auto("[\"w\"]"))));
      await(store.appendEvent(key, "retry", "later", null));
      assertEquals(List.of("q1", "a1", "q2", "a2"), await(store.messages(key, 0, 10)).stream()
          .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content")).toList());
      assertEquals(2, await(store.events(key, null, 10)).size());
      await(store.fork(key, 2, forked));
      assertEquals(4, await(store.messages(forked, 0, 10)).size());
      SessionMeta restored = await(store.restore(key, 1, second.version()));
      assertEquals(2, restored.messageCount());
      assertEquals("[\"w\"]", await(store.checkpoint(key, 2)).contextView());
    } finally {
      await(store.close());
    }
    java.util.Set<String> keys = onDisk(home);
    assertTrue(keys.containsAll(List.of(layout + "msgs:" + base + "#" + "0".repeat(18) + "1",
        layout + "cps:" + base + "#" + "0".repeat(18) + "3", layout + "events:" + base + "#" + "0".repeat(18) + "2")),
        "the earlier session's new rows join its old ones: " + keys);
    assertFalse(keys.contains(layout + "msgs:" + base + "#" + "0".repeat(18) + "2"), "the restore dropped q2: " + keys);
    assertFalse(keys.contains(layout + "rows:" + base), "it is not numbered: " + keys);
    assertTrue(keys.containsAll(List.of(layout + "meta:" + base, layout + "eventCount:" + base)), "nor moved: " + keys);
    assertTrue(keys.contains(layout + "msgs:" + numbered(2) + "#" + "0".repeat(18) + "3"),
        "the fork is a new session, numbered: " + keys);

    store = openAt(home);
    try {
      assertTrue(await(store.delete(key)));
      assertEquals(List.of(), await(store.messages(key, 0, 10)));
    } finally {
      await(store.close());
    }
    assertTrue(onDisk(home).stream().noneMatch(k -> k.contains(base + "#")), "deleted with every row");
  }

  @Test
  void aFileOfTheFirstLayoutOpensWithEverythingItHeldAndWithoutWhatACrashLeftUncommitted() throws Exception {
    Path home = dir.resolve("first-layout");
    EmbeddedStoreOptions options = EmbeddedStoreOptions.of(home).withClock(clock);
    CheckpointStore before = await(EmbeddedCheckpointStore.open(vertx, options));
    SessionKey key = key("converted");
    Turn turn = storeATurn(before, key);
    StoredResponse kept = new StoredResponse(tenant, "resp_old", key.id(), 1, "{\"id\":\"resp_old\"}", clock.instant());
    await(before.putResponse(kept));
    await(before.close());
    rewriteInTheFirstLayout(home.resolve(EmbeddedCheckpointStore.FILE_NAME));

    CheckpointStore after = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      assertHolds(after, key, turn);
      assertEquals(kept, await(after.response(tenant, "resp_old")));
      assertNull(await(after.meta(key("uncommitted"))), "what a crash left uncommitted is not converted");
      String next = await(after.appendEvent(key, "retry", null, null));
      assertTrue(Long.parseLong(next) > Long.parseLong(turn.eventId()), "the event counter came along");
    } finally {
      await(after.close());
    }
    java.util.Set<String> keys = onDisk(home);
    assertTrue(keys.stream().allMatch(k -> k.startsWith(EmbeddedCheckpointStore.LAYOUT)), "nothing of the first layout is left: " + keys);
  }

  @Test
  void aLargeFileOfTheFirstLayoutIsConvertedInSeveralWritesAndStillWhole() {
    Path home = dir.resolve("first-layout-in-parts");
    EmbeddedStoreOptions options = EmbeddedStoreOptions.of(home).withClock(clock);
    CheckpointStore before = await(EmbeddedCheckpointStore.open(vertx, options));
    List<SessionKey> keys = java.util.stream.IntStream.range(0, 20).mapToObj(i -> key("part-" + i)).toList();
    List<Turn> turns = keys.stream().map(k -> storeATurn(before, k)).toList();
    await(before.close());
    Path path = home.resolve(EmbeddedCheckpointStore.FILE_NAME);
    rewriteInTheFirstLayout(path);

    // converted as a large file is, with a write whenever anything is held (here: after every entry)
    org.h2.mvstore.MVStore file = new org.h2.mvstore.MVStore.Builder().fileName(path.toString()).autoCommitDisabled()
        .autoCommitBufferSize(0).open();
    EmbeddedCheckpointStore.convertTransactionMaps(file, 0);
    file.close();

    CheckpointStore after = await(EmbeddedCheckpointStore.open(vertx, options));
    try {
      for (int i = 0; i < keys.size(); i++) {
        SessionKey k = keys.get(i);
        assertEquals(turns.get(i).meta(), await(after.meta(k)));
        assertEquals(2, await(after.messages(k, 0, 10)).size());
        assertEquals(turns.get(i).eventId(), await(after.events(k, null, 10)).get(0).id());
      }
      assertNull(await(after.meta(key("uncommitted"))));
    } finally {
      await(after.close());
    }
  }

  /**
   * The store's file as the first layout kept it: the same maps under their bare names, in a TransactionStore, plus a
   * transaction a crash left open (a session it wrote, never committed).
   */
  private void rewriteInTheFirstLayout(Path path) {
    org.h2.mvstore.MVStore file = new org.h2.mvstore.MVStore.Builder().fileName(path.toString()).open();
    org.h2.mvstore.tx.TransactionStore transactions = new org.h2.mvstore.tx.TransactionStore(file);
    transactions.init();
    org.h2.mvstore.tx.Transaction copy = transactions.begin();
    for (String name : List.copyOf(file.getMapNames())) {
      if (!name.startsWith(EmbeddedCheckpointStore.LAYOUT)) continue; // the TransactionStore's own
      org.h2.mvstore.tx.TransactionMap<Object, Object> old =
          copy.openMap(name.substring(EmbeddedCheckpointStore.LAYOUT.length()));
      for (java.util.Map.Entry<Object, Object> e : file.openMap(name).entrySet()) old.put(e.getKey(), e.getValue());
      file.removeMap(name);
    }
    copy.commit();
    org.h2.mvstore.tx.Transaction interrupted = transactions.begin();
    interrupted.openMap("meta").put(tenant + "/uncommitted", new byte[] {'{', '}'});
    file.commit(); // on disk, uncommitted: as a crash in the middle of a batch left it
    file.close();
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
