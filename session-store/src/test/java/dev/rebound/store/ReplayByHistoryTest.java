package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static dev.rebound.store.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes replayed after an outage are applied by what they mean ({@link HistoryReconciler}): never twice, never as a
 * tail without its head. The backend underneath is a real embedded store behind a switch that makes it unreachable,
 * makes a write land and still time out, or swaps in an empty store (a Redis restarted without its data).
 */
@ExtendWith(VertxExtension.class)
class ReplayByHistoryTest {

  /** A real store behind faults a network and a restart cause. */
  static final class Unreliable implements CheckpointStore {
    CheckpointStore backend;
    boolean down;
    boolean landThenTimeOut;
    /** Writes land and read back, but nothing becomes durable: an fsync that hangs. */
    boolean notDurable;

    Unreliable(CheckpointStore backend) {
      this.backend = backend;
    }

    private <T> Future<T> call(java.util.function.Supplier<Future<T>> op) {
      return down ? Future.failedFuture(new StoreUnavailableException("connection refused")) : op.get();
    }

    @Override
    public Future<SessionMeta> append(SessionKey key, Append append) {
      if (landThenTimeOut && !down) {
        return backend.append(key, append).compose(ok -> Future.failedFuture(new StoreUnavailableException("Timeout 1000 (ms) fired")));
      }
      return call(() -> backend.append(key, append));
    }

    @Override public Future<SessionMeta> meta(SessionKey key) { return call(() -> backend.meta(key)); }
    @Override public Future<List<StoredMessage>> messages(SessionKey key, int from, int to) { return call(() -> backend.messages(key, from, to)); }
    @Override public Future<List<Checkpoint>> checkpoints(SessionKey key) { return call(() -> backend.checkpoints(key)); }
    @Override public Future<Checkpoint> checkpoint(SessionKey key, int seq) { return call(() -> backend.checkpoint(key, seq)); }
    @Override public Future<SessionMeta> fork(SessionKey from, int seq, SessionKey to) { return call(() -> backend.fork(from, seq, to)); }
    @Override public Future<SessionMeta> restore(SessionKey key, int seq, long v) { return call(() -> backend.restore(key, seq, v)); }
    @Override public Future<Boolean> delete(SessionKey key) { return call(() -> backend.delete(key)); }
    @Override public Future<List<SessionMeta>> list(String tenant, int offset, int limit) { return call(() -> backend.list(tenant, offset, limit)); }
    @Override public Future<List<String>> appendEvents(SessionKey key, List<NewEvent> events) { return call(() -> backend.appendEvents(key, events)); }
    @Override public Future<List<SessionEvent>> events(SessionKey key, String after, int limit) { return call(() -> backend.events(key, after, limit)); }
    @Override public Future<Void> putResponse(StoredResponse r) { return call(() -> backend.putResponse(r)); }
    @Override public Future<StoredResponse> response(String tenant, String id) { return call(() -> backend.response(tenant, id)); }
    @Override public Future<Boolean> deleteResponse(String tenant, String id) { return call(() -> backend.deleteResponse(tenant, id)); }
    @Override public Future<Void> ping() { return call(backend::ping); }
    @Override public Future<Void> durable() {
      return notDurable ? Future.failedFuture(new StoreUnavailableException("fsync did not return in time"))
          : call(backend::durable);
    }
    @Override public Future<Void> close() { return backend.close(); }
  }

  static NewMessage user(String text) {
    return NewMessage.of("user", "{\"role\":\"user\",\"content\":" + Json.encode(text) + "}");
  }

  static NewMessage assistant(String text) {
    return NewMessage.of("assistant", "{\"role\":\"assistant\",\"content\":" + Json.encode(text) + "}");
  }

  /** A client's conversation as the gateway writes it: each write says the history it extends. */
  static final class Conversation {
    final List<NewMessage> history = new ArrayList<>();
    long version;

    Future<SessionMeta> say(CheckpointStore store, SessionKey key, NewMessage m) {
      List<NewMessage> before = List.copyOf(history);
      history.add(m);
      int turns = m.role().equals("assistant") ? 1 : 0;
      return store.append(key, Append.of(version, m).withMeta(new MetaChange("openai", "a", SessionMeta.ACTIVE, turns, 0))
          .extending(() -> before)).onSuccess(meta -> version = meta.version());
    }
  }

  static List<String> stored(CheckpointStore store, SessionKey key) {
    SessionMeta meta = await(store.meta(key));
    return await(store.messages(key, 0, meta.messageCount())).stream().map(StoredMessage::json).toList();
  }

  static List<String> texts(List<NewMessage> messages) {
    return messages.stream().map(NewMessage::json).toList();
  }

  BufferedCheckpointStore buffered(Vertx vertx, Unreliable backend) {
    return new BufferedCheckpointStore(vertx, backend,
        new BufferedStoreOptions(100, Duration.ofMillis(50), Duration.ofMillis(200), null), e -> {});
  }

  @Test
  void aWriteThatLandedBeforeItsTimeoutIsNotAppliedAgainOnReplay(Vertx vertx, @TempDir Path dir) {
    Unreliable backend = new Unreliable(await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir))));
    BufferedCheckpointStore store = buffered(vertx, backend);
    SessionKey key = new SessionKey("t", "landed");
    Conversation c = new Conversation();
    await(c.say(store, key, user("q1")));
    await(c.say(store, key, assistant("a1")));
    backend.landThenTimeOut = true;
    await(c.say(store, key, user("q2"))); // stored, but the gateway heard a timeout: queued for replay
    backend.landThenTimeOut = false;
    await(c.say(store, key, assistant("a2"))); // queued behind it
    until(Duration.ofSeconds(10), "the queue to drain", () -> !store.degraded());
    assertEquals(texts(c.history), stored(store, key));
    assertEquals(2, await(store.meta(key)).turns());
    assertEquals(0, store.dropped());
  }

  @Test
  void aSessionBegunWhileTheStoreWasDownIsStoredWholeWhenItReturns(Vertx vertx, @TempDir Path dir) {
    Unreliable backend = new Unreliable(await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir))));
    BufferedCheckpointStore store = buffered(vertx, backend);
    backend.down = true;
    SessionKey key = new SessionKey("t", "born-in-outage");
    Conversation c = new Conversation();
    for (int turn = 1; turn <= 3; turn++) {
      await(c.say(store, key, user("q" + turn)));
      await(c.say(store, key, assistant("a" + turn)));
    }
    backend.down = false;
    until(Duration.ofSeconds(10), "the queue to drain", () -> !store.degraded());
    assertEquals(texts(c.history), stored(store, key));
    assertEquals(3, await(store.meta(key)).turns());
  }

  @Test
  void aStoreThatRestartedEmptyGetsTheWholeHistoryBackNotATailStartingWithAnAnswer(Vertx vertx, @TempDir Path dir) {
    Unreliable backend = new Unreliable(await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir.resolve("before")))));
    BufferedCheckpointStore store = buffered(vertx, backend);
    SessionKey key = new SessionKey("t", "emptied");
    Conversation c = new Conversation();
    await(c.say(store, key, user("q1")));
    await(c.say(store, key, assistant("a1")));
    await(c.say(store, key, user("q2")));
    backend.down = true;
    await(c.say(store, key, assistant("a2"))); // queued while down
    backend.backend = await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir.resolve("after"))));
    backend.down = false; // back, with nothing
    until(Duration.ofSeconds(10), "the queue to drain", () -> !store.degraded());
    List<String> after = stored(store, key);
    assertEquals(texts(c.history), after);
    assertFalse(after.get(0).contains("assistant"));
    assertEquals(2, await(store.meta(key)).turns());
  }

  @Test
  void theSameTurnStoredByTwoWritersIsStoredOnce(Vertx vertx, @TempDir Path dir) {
    CheckpointStore store = await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir)));
    SessionKey key = new SessionKey("t", "two-writers");
    Conversation a = new Conversation();
    await(a.say(store, key, user("q1")));
    Conversation b = new Conversation();
    b.history.addAll(a.history);
    b.version = a.version;
    await(a.say(store, key, assistant("a1 from gateway A")));
    // gateway B answered the same question; its write is stale, reconciled by meaning
    Append late = Append.of(b.version, assistant("a1 from gateway B")).extending(() -> List.copyOf(b.history));
    HistoryReconciler.Result r = await(HistoryReconciler.reconcile(store, key, late, b.history));
    assertEquals(HistoryReconciler.Outcome.ANSWERED_ELSEWHERE, r.outcome());
    assertEquals(texts(a.history), stored(store, key));
    Append again = Append.of(b.version, assistant("a1 from gateway A"));
    assertEquals(HistoryReconciler.Outcome.ALREADY_STORED, await(HistoryReconciler.reconcile(store, key, again, b.history)).outcome());
    assertEquals(1, await(store.meta(key)).turns());
  }

  @Test
  void aCompactionThatLandedBeforeItsTimeoutIsNotAppliedAgainOnReplayAndItsCheckpointIsTakenOnce(Vertx vertx,
      @TempDir Path dir) {
    Unreliable backend = new Unreliable(await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir))));
    BufferedCheckpointStore store = buffered(vertx, backend);
    SessionKey key = new SessionKey("t", "compacted");
    Conversation c = new Conversation();
    for (int turn = 1; turn <= 2; turn++) {
      await(c.say(store, key, user("q" + turn)));
      await(c.say(store, key, assistant("a" + turn)));
    }
    backend.landThenTimeOut = true;
    CheckpointDraft compaction = new CheckpointDraft(CheckpointKind.COMPACTED, null, "[]", 0, "compacted");
    await(store.append(key, Append.of(c.version, user("summary of q1 q2")).withCheckpoint(compaction).replacingHistory()
        .extending(List::of)));
    backend.landThenTimeOut = false;
    until(Duration.ofSeconds(10), "the queue to drain", () -> !store.degraded());
    assertEquals(List.of(user("summary of q1 q2").json()), stored(store, key));
    assertEquals(1, await(store.checkpoints(key)).stream().filter(cp -> cp.kind() == CheckpointKind.COMPACTED).count());
    assertEquals(2, await(store.meta(key)).turns(), "the turns before the compaction still count");
  }

  @Test
  void anFsyncThatStallsPutsTheEmbeddedStoreInDegradedModeAndEveryTurnIsStoredOnceWhenTheDiskReturns(Vertx vertx,
      @TempDir Path dir) {
    List<FailingChannel> logs = new java.util.concurrent.CopyOnWriteArrayList<>();
    EmbeddedCheckpointStore embedded = await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir),
        (path, options) -> {
          FailingChannel channel = new FailingChannel(java.nio.channels.FileChannel.open(path, options));
          logs.add(channel);
          return channel;
        }, Duration.ofMillis(300)));
    BufferedCheckpointStore store = new BufferedCheckpointStore(vertx, embedded,
        new BufferedStoreOptions(100, Duration.ofMillis(50), Duration.ofMillis(200), null), e -> {});
    SessionKey key = new SessionKey("t", "stalled");
    Conversation c = new Conversation();
    await(c.say(store, key, user("q1")));
    await(c.say(store, key, assistant("a1")));
    await(c.say(store, key, user("q2")));
    java.util.concurrent.CountDownLatch disk = new java.util.concurrent.CountDownLatch(1);
    for (FailingChannel log : logs) log.stallForce = disk;
    long asked = System.nanoTime();
    // the answer is durable: written, then its fsync hangs; the deadline (checked every second) gives up on it
    SessionMeta a2 = await(c.say(store, key, assistant("a2")));
    long waitedMs = (System.nanoTime() - asked) / 1_000_000;
    assertEquals(BufferedCheckpointStore.BUFFERED, a2.status());
    assertTrue(store.degraded());
    assertTrue(waitedMs < 3_000, "answered at the deadline, not when the disk returned: " + waitedMs + " ms");
    await(c.say(store, key, user("q3"))); // queued behind it
    failure(embedded.durable(), StoreUnavailableException.class); // nothing is durable while the fsync hangs
    vertx.timer(1_000).await(); // retries meanwhile
    assertTrue(store.degraded());
    assertEquals(2, store.queued());
    for (FailingChannel log : logs) log.stallForce = null;
    disk.countDown(); // the fsync returns: a2 landed, and its replay finds it there
    until(Duration.ofSeconds(10), "the queue to drain", () -> !store.degraded());
    assertEquals(texts(c.history), stored(store, key));
    assertEquals(2, await(store.meta(key)).turns());
    assertEquals(0, store.dropped());
    await(store.close());
  }

  /** A writer that reads its history anew for each write, as the gateway does from each request. */
  static Future<SessionMeta> sayFresh(Conversation c, CheckpointStore store, SessionKey key, NewMessage m) {
    List<NewMessage> before = List.copyOf(c.history);
    c.history.add(m);
    int turns = m.role().equals("assistant") ? 1 : 0;
    return store.append(key, Append.of(c.version, m)
        .withMeta(new MetaChange("openai", "a", SessionMeta.ACTIVE, turns, 0))
        .extending(() -> before.stream().map(x -> new NewMessage(x.role(), new String(x.json()), x.partial())).toList()))
        .onSuccess(meta -> c.version = meta.version());
  }

  static String words(int chars, String tag) {
    return tag + " " + "w".repeat(chars);
  }

  @Test
  void aLongSessionsTurnsQueuedInAnOutageHoldItsConversationAboutOnceAndAreAllStoredWhenTheStoreReturns(Vertx vertx,
      @TempDir Path dir) {
    Unreliable backend = new Unreliable(await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir))));
    BufferedCheckpointStore store = new BufferedCheckpointStore(vertx, backend,
        new BufferedStoreOptions(10_000, Duration.ofMillis(50), Duration.ofMillis(200), null), e -> {});
    SessionKey key = new SessionKey("t", "long");
    Conversation c = new Conversation();
    await(sayFresh(c, store, key, user(words(10_000, "q0"))));
    backend.down = true;
    for (int turn = 1; turn <= 40; turn++) {
      await(sayFresh(c, store, key, assistant(words(10_000, "a" + turn))));
      await(sayFresh(c, store, key, user(words(10_000, "q" + turn))));
    }
    assertEquals(80, store.queued());
    long conversation = c.history.stream().mapToLong(m -> m.json().length()).sum();
    // each write's history repeats every turn before it: 80 writes held them 40 times over, about 33 Mi characters
    assertTrue(store.queuedChars() <= conversation, store.queuedChars() + " characters queued for a conversation of "
        + conversation);
    backend.down = false;
    until(Duration.ofSeconds(20), "the queue to drain", () -> !store.degraded());
    assertEquals(texts(c.history), stored(store, key));
    assertEquals(40, await(store.meta(key)).turns());
    assertEquals(0, store.dropped());
    assertEquals(0, store.queuedChars());
  }

  @Test
  void writesPastTheQueuesCharacterBoundAreDroppedAndCountedNotHeld(Vertx vertx, @TempDir Path dir) {
    Unreliable backend = new Unreliable(await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir))));
    List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
    BufferedCheckpointStore store = new BufferedCheckpointStore(vertx, backend,
        new BufferedStoreOptions(10_000, Duration.ofMillis(50), Duration.ofMillis(200), null, 50_000), said::add);
    SessionKey key = new SessionKey("t", "bounded");
    backend.down = true;
    Conversation c = new Conversation();
    List<String> statuses = new ArrayList<>();
    for (int i = 0; i < 8; i++) statuses.add(await(sayFresh(c, store, key, user(words(10_000, "q" + i)))).status());
    assertEquals(List.of("buffered", "buffered", "buffered", "buffered", "dropped", "dropped", "dropped", "dropped"),
        statuses, "four writes of 10 Ki characters fit under 50,000");
    assertEquals(4, store.queued());
    assertEquals(4, store.dropped());
    assertTrue(store.queuedChars() <= 50_000);
    assertTrue(said.stream().anyMatch(e -> e.startsWith("dropped: write queue full (4 writes holding")), said.toString());
  }

  @Test
  void aWriteThatLandedIsTakenAsStoredOnlyOnceTheStoreSaysItIsDurable(Vertx vertx, @TempDir Path dir) {
    Unreliable backend = new Unreliable(await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir))));
    BufferedCheckpointStore store = buffered(vertx, backend);
    SessionKey key = new SessionKey("t", "not-durable");
    Conversation c = new Conversation();
    await(c.say(store, key, user("q1")));
    backend.landThenTimeOut = true;
    backend.notDurable = true; // a2 lands and reads back, but its fsync hangs
    await(c.say(store, key, assistant("a1")));
    backend.landThenTimeOut = false;
    vertx.timer(1_000).await(); // retries every 50-200 ms find a1 stored, but not durable
    assertTrue(store.degraded(), "a turn that is not durable is not taken as stored");
    assertEquals(1, store.queued());
    backend.notDurable = false;
    until(Duration.ofSeconds(10), "the queue to drain", () -> !store.degraded());
    assertEquals(texts(c.history), stored(store, key));
    assertEquals(1, await(store.meta(key)).turns());
  }
}
