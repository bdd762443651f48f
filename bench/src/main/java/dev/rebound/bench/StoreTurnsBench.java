package dev.rebound.bench;

import dev.rebound.store.Append;
import dev.rebound.store.CheckpointDraft;
import dev.rebound.store.CheckpointKind;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.EmbeddedCheckpointStore;
import dev.rebound.store.EmbeddedStoreOptions;
import dev.rebound.store.MetaChange;
import dev.rebound.store.NewEvent;
import dev.rebound.store.NewMessage;
import dev.rebound.store.SessionKey;
import dev.rebound.store.SessionMeta;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The embedded session store on its own, in this JVM: {@link #LOOPS} conversations at once, each turn the store calls
 * a checkpointed turn makes through the gateway (the session read on a session's first turn, the user turn and its
 * answer in one durable write with an AUTO checkpoint, and once per session the events the gateway gathered for it,
 * three a turn, in one call), a new session every {@link #TURNS_PER_SESSION} turns as in {@code sessions-embedded}.
 * What it measures is the store's own CPU per turn (its worker, fsync and checkpointer threads), apart from the
 * gateway's HTTP work and from the host noise a whole-process A/B run carries.
 */
final class StoreTurnsBench {
  static final int LOOPS = 32;
  static final int TURNS_PER_SESSION = 8;
  private static final String REASON = "agent coder speaks openai-chat: answered 200 in 1.2 ms, 34 tokens out, stop";

  record Result(int turns, double turnsPerSecond, double storeCpuUsPerTurn, double fileMb) {}

  private StoreTurnsBench() {}

  /** {@code warmup} turns, then {@code turns} measured, on a store in a fresh temporary directory (removed after). */
  static Result run(int warmup, int turns) {
    Path dir;
    try {
      dir = Files.createTempDirectory("rebound-store-turns");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Vertx vertx = Vertx.vertx();
    try {
      CheckpointStore store = await(EmbeddedCheckpointStore.open(vertx, EmbeddedStoreOptions.of(dir)));
      try {
        drive(vertx, store, warmup);
        long cpuBefore = storeThreadsCpuNanos();
        long started = System.nanoTime();
        drive(vertx, store, turns);
        long wall = System.nanoTime() - started;
        long cpu = storeThreadsCpuNanos() - cpuBefore;
        double fileMb = Files.size(dir.resolve(EmbeddedCheckpointStore.FILE_NAME)) / 1e6;
        return new Result(turns, turns / (wall / 1e9), cpu / 1e3 / turns, fileMb);
      } finally {
        await(store.close());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      await(vertx.close());
      deleteQuietly(dir);
    }
  }

  /** Runs {@code turns} turns over {@link #LOOPS} conversations, each on the event loop as the gateway's requests are. */
  private static void drive(Vertx vertx, CheckpointStore store, int turns) {
    AtomicInteger left = new AtomicInteger(turns);
    CountDownLatch done = new CountDownLatch(LOOPS);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < LOOPS; i++) {
      vertx.runOnContext(v -> new Conversation(store, left, done, failures).next());
    }
    try {
      if (!done.await(10, TimeUnit.MINUTES)) throw new IllegalStateException("store turns did not finish in 10 minutes");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (!failures.isEmpty()) throw new IllegalStateException("a store turn failed", failures.get(0));
  }

  /** One client's conversation: a session of {@link #TURNS_PER_SESSION} turns after another. */
  private static final class Conversation {
    private final CheckpointStore store;
    private final AtomicInteger left;
    private final CountDownLatch done;
    private final List<Throwable> failures;
    private SessionKey key;
    private int turn;
    private long version;

    Conversation(CheckpointStore store, AtomicInteger left, CountDownLatch done, List<Throwable> failures) {
      this.store = store;
      this.left = left;
      this.done = done;
      this.failures = failures;
    }

    void next() {
      if (left.decrementAndGet() < 0) {
        done.countDown();
        return;
      }
      if (key == null || turn == TURNS_PER_SESSION) {
        key = new SessionKey("default", "bench-" + UUID.randomUUID());
        turn = 0;
        version = 0;
      }
      int n = ++turn;
      Future<SessionMeta> read = n == 1 ? store.meta(key) : Future.succeededFuture();
      read.compose(ignored -> store.append(key, Append.of(version,
              NewMessage.of("user", "{\"role\":\"user\",\"content\":\"Turn " + n + ": go on with the plan and say what "
                  + "changed since the last step.\"}"),
              NewMessage.of("assistant", "{\"role\":\"assistant\",\"content\":\"Step " + n + " is done: the parser "
                  + "now keeps its state between chunks, and the tests cover a cut in the middle of a token.\"}"))
          .withCheckpoint(new CheckpointDraft(CheckpointKind.AUTO, null, "{\"sentAsStored\":true}", 120,
              "assistant turn stored"))
          .withMeta(new MetaChange("openai", "coder", null, 1, 150))))
          .onComplete(ar -> {
            if (ar.failed()) {
              failures.add(ar.cause());
              done.countDown();
              return;
            }
            version = ar.result().version();
            if (n == TURNS_PER_SESSION) store.appendEvents(key, events());
            next();
          });
    }

    private List<NewEvent> events() {
      List<NewEvent> events = new ArrayList<>(3 * TURNS_PER_SESSION);
      for (int t = 1; t <= TURNS_PER_SESSION; t++) {
        String fields = "{\"agent\":\"coder\",\"turn\":" + t + ",\"requestId\":\"" + UUID.randomUUID() + "\"}";
        events.add(new NewEvent(null, "route", "rule 'code' matched: agent coder", fields));
        events.add(new NewEvent(null, "answered", REASON, fields));
        events.add(new NewEvent(null, "checkpoint", "AUTO checkpoint of turn " + t, fields));
      }
      return events;
    }
  }

  /** CPU time of this JVM's embedded store threads: worker, fsync, checkpointer (read as for the gateway's process). */
  private static long storeThreadsCpuNanos() {
    return ProcStats.threadCpuNanos(ProcessHandle.current().pid())[ProcStats.EMBEDDED_STORE];
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory: the OS cleans up what is left
    }
  }
}
