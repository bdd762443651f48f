package dev.rebound.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Sessions conversing at once, each on an event loop of its own (as the gateway's requests arrive), every turn making
 * the store calls the gateway makes: the session read (meta, then its messages; a failed read is survived, as the
 * gateway binds from what it knows), the user turn with an ERROR checkpoint, the turn's events in one call (not
 * awaited, like SessionEventRecorder), the answer after {@code answerTime} (the upstream), stored with an AUTO
 * checkpoint. A write found stale is stored by what it means ({@link HistoryReconciler}), as the Checkpointer does.
 */
final class SessionLoad {

  final List<SessionKey> keys = new ArrayList<>();
  final int turns;
  final AtomicLong reads = new AtomicLong();
  final AtomicLong readFailures = new AtomicLong();
  final AtomicLong writes = new AtomicLong();
  final AtomicLong writeFailures = new AtomicLong();
  final AtomicLong buffered = new AtomicLong();
  final AtomicLong slow = new AtomicLong();
  final AtomicLong maxMillis = new AtomicLong();
  final List<String> failed = new CopyOnWriteArrayList<>();
  private final long started = System.nanoTime();
  private volatile long elapsedMillis;
  private Future<Void> done;

  private SessionLoad(int turns) {
    this.turns = turns;
  }

  static SessionLoad start(Vertx vertx, CheckpointStore store, String tenant, int sessions, int turns,
      Duration answerTime) {
    SessionLoad load = new SessionLoad(turns);
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      SessionKey key = new SessionKey(tenant, "load-" + i);
      load.keys.add(key);
      Promise<Void> finished = Promise.promise();
      // from a non-Vert.x thread every call is a new context, spread over the event loops
      vertx.getOrCreateContext().runOnContext(v ->
          new Conversation(vertx, load, store, key, answerTime.toMillis()).turns(turns).onComplete(finished));
      all.add(finished.future());
    }
    load.done = Future.join(all).<Void>mapEmpty().andThen(ar ->
        load.elapsedMillis = (System.nanoTime() - load.started) / 1_000_000);
    return load;
  }

  /** Waits (test thread) for every conversation to finish. */
  SessionLoad await(Duration deadline) {
    try {
      done.toCompletionStage().toCompletableFuture().get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the load did not finish within " + deadline + ": " + this);
    } catch (ExecutionException e) {
      throw new AssertionError("the load failed: " + this, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return this;
  }

  long writesPerSecond() {
    return writes.get() * 1000 / Math.max(1, elapsedMillis);
  }

  @Override
  public String toString() {
    return keys.size() + " sessions x " + turns + " turns: " + writes + " writes + " + reads + " reads in "
        + elapsedMillis + " ms = " + writesPerSecond() + " writes/s; slowest call " + maxMillis + " ms, " + slow
        + " calls >= 1 s; " + writeFailures + " writes failed " + failed + ", " + buffered + " buffered, "
        + readFailures + " reads failed";
  }

  private <T> Future<T> timed(Supplier<Future<T>> call, boolean write) {
    long start = System.nanoTime();
    (write ? writes : reads).incrementAndGet();
    return call.get().andThen(ar -> {
      long millis = (System.nanoTime() - start) / 1_000_000;
      maxMillis.accumulateAndGet(millis, Math::max);
      if (millis >= 1000) slow.incrementAndGet();
      if (ar.failed()) {
        (write ? writeFailures : readFailures).incrementAndGet();
        if (write && failed.size() < 5) failed.add(String.valueOf(ar.cause()));
      } else if (ar.result() instanceof SessionMeta m && BufferedCheckpointStore.BUFFERED.equals(m.status())) {
        buffered.incrementAndGet();
      }
    });
  }

  static NewMessage user(String text) {
    return NewMessage.of("user", "{\"role\":\"user\",\"content\":" + Json.encode(text) + "}");
  }

  static NewMessage assistant(String text) {
    return NewMessage.of("assistant", "{\"role\":\"assistant\",\"content\":" + Json.encode(text) + "}");
  }

  private static final class Conversation {
    private final Vertx vertx;
    private final SessionLoad load;
    private final CheckpointStore store;
    private final SessionKey key;
    private final long answerMillis;
    private final List<NewMessage> history = new ArrayList<>();
    private long version;
    private Instant created;
    private Future<?> events = Future.succeededFuture();

    Conversation(Vertx vertx, SessionLoad load, CheckpointStore store, SessionKey key, long answerMillis) {
      this.vertx = vertx;
      this.load = load;
      this.store = store;
      this.key = key;
      this.answerMillis = answerMillis;
    }

    Future<Void> turns(int left) {
      if (left == 0) return events.transform(ar -> Future.succeededFuture());
      int turn = history.size() / 2 + 1;
      NewMessage question = user("question " + turn + " of " + key.id());
      NewMessage answer = assistant("answer " + turn + " to " + key.id());
      return read()
          .compose(v -> write(Append.of(version, question).ofSessionCreated(created)
              .withCheckpoint(new CheckpointDraft(CheckpointKind.ERROR, null, "[]", 0, "user turn"))
              .withMeta(new MetaChange("openai", null, SessionMeta.ACTIVE, 0, 0)), question))
          .compose(meta -> {
            events = events.transform(ar -> load.timed(() -> store.appendEvents(key, List.of(
                new NewEvent(null, "route", "chain default", null),
                new NewEvent(null, "checkpoint", "user turn stored", "{\"version\":" + meta.version() + "}"))), true));
            return answerTime();
          })
          .compose(v -> write(Append.of(version, answer).replacingPartial().ofSessionCreated(created)
              .withCheckpoint(new CheckpointDraft(CheckpointKind.AUTO, null, "[]", 0, "turn " + turn))
              .withMeta(new MetaChange("openai", "coder", SessionMeta.ACTIVE, 1, 0)), answer))
          .compose(v -> turns(left - 1));
    }

    /** What a gateway does when its cache does not know the session: its meta, then its messages. */
    private Future<Void> read() {
      return load.timed(() -> store.meta(key), false)
          .compose(meta -> meta == null ? Future.succeededFuture()
              : load.timed(() -> store.messages(key, 0, meta.messageCount()), false))
          .<Void>mapEmpty()
          .otherwiseEmpty();
    }

    private Future<SessionMeta> write(Append append, NewMessage message) {
      List<NewMessage> before = List.copyOf(history);
      Append extending = append.extending(() -> before);
      return load.timed(() -> store.append(key, extending).recover(err -> err instanceof StaleWriteException
          ? HistoryReconciler.reconcile(store, key, extending, before).map(HistoryReconciler.Result::meta)
          : Future.failedFuture(err)), true).map(meta -> {
            version = meta.version();
            // a provisional (buffered) creation time is not the store's: the next write then names no creation
            if (!BufferedCheckpointStore.BUFFERED.equals(meta.status())) created = meta.created();
            history.add(message);
            return meta;
          });
    }

    private Future<Void> answerTime() {
      if (answerMillis <= 0) return Future.succeededFuture();
      Promise<Void> answered = Promise.promise();
      vertx.setTimer(answerMillis, id -> answered.complete());
      return answered.future();
    }
  }
}
