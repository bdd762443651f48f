package dev.rebound.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Degraded mode: keeps the gateway serving while the backing store is unreachable.
 *
 * <p>When a write ({@link #append}, {@link #appendEvents}) fails with {@link StoreUnavailableException}, it is queued
 * in a bounded FIFO and its future succeeds with a provisional result ({@link SessionMeta} with version =
 * expectedVersion + 1 and status {@code buffered}; counts it cannot know are -1). From then on the store is
 * {@link #degraded()}: new writes join the queue behind the earlier ones (order is preserved), reads and the admin
 * writes (fork, restore, delete) fail with {@link StoreUnavailableException}. The queue is flushed in order by a retry
 * timer (backoff from {@link BufferedStoreOptions#retryFirst()} to {@link BufferedStoreOptions#retryMax()}) and
 * opportunistically on new writes; a queued append is replayed against the session's current version ("apply in
 * order"), since the versions the caller saw were provisional. Once the queue is empty the store has recovered.
 *
 * <p>Past {@link BufferedStoreOptions#maxQueued()} writes, or {@link BufferedStoreOptions#maxQueuedChars()} of message
 * text in them, writes are dropped: counted in {@link #dropped()}, and their provisional result has status
 * {@code dropped}. Transitions are reported to the listener as readable text. A queued append keeps its history, not
 * the writer's request, and shares the messages equal to those of the session's write queued before it, so a long
 * session's turns queued one after another hold its conversation about once.
 *
 * <p>A queued append that says what history it extends ({@link Append#history()}) is replayed by meaning
 * ({@link HistoryReconciler}): one that the backend had applied before its timeout is not applied again, and one whose
 * session lost its beginning (a backend restarted empty, a session begun during the outage) writes the whole history.
 * Without a history a write is replayed at the session's current version, so a timed-out write that did land is
 * applied twice.
 */
public final class BufferedCheckpointStore implements CheckpointStore {

  public static final String BUFFERED = "buffered";
  public static final String DROPPED = "dropped";

  /** Replays that keep losing the version race to another writer give up after this many tries. */
  private static final int REPLAY_ATTEMPTS = 5;

  private sealed interface Pending permits PendingAppend, PendingEvents {
    SessionKey key();

    long chars();
  }

  /**
   * @param history what the session held before the write, as the writer knew it; null when it did not say
   * @param chars   the characters of message text this write alone holds (what it shares with the write before it
   *                is not counted twice)
   */
  private record PendingAppend(SessionKey key, Append append, List<NewMessage> history, long chars)
      implements Pending {
    /**
     * Captures the history now (the caller's request may be gone by the time the write is replayed) and lets go of
     * the writer's supplier, which holds the whole request. A long session writes a turn after turn into the queue,
     * each with all the turns before it: the messages equal to those of the session's write before this one are
     * taken from it, so a queue of n turns holds the conversation about once, not n times.
     *
     * @param before the session's messages as of its last queued write (its history and its messages); may be null
     */
    static PendingAppend of(SessionKey key, Append append, List<NewMessage> before) {
      Append kept = new Append(append.expectedVersion(), append.messages(), append.replacePartial(),
          append.checkpoint(), append.meta(), append.expectedCreated(), null, append.replaceHistory());
      long chars = 0;
      for (NewMessage m : append.messages()) chars += m.json().length();
      if (append.history() == null) return new PendingAppend(key, kept, null, chars);
      List<NewMessage> told = append.history().get();
      List<NewMessage> history = new ArrayList<>(told.size());
      for (int i = 0; i < told.size(); i++) {
        NewMessage m = told.get(i);
        if (before != null && i < before.size() && before.get(i).equals(m)) {
          history.add(before.get(i));
        } else {
          history.add(m);
          chars += m.json().length();
        }
      }
      return new PendingAppend(key, kept, List.copyOf(history), chars);
    }

    /** The session's messages once this write is applied, for the next write to share. */
    List<NewMessage> after() {
      if (history == null) return null;
      List<NewMessage> all = new ArrayList<>(append.replaceHistory() ? List.of() : history);
      all.addAll(append.messages());
      return all;
    }
  }

  private record PendingEvents(SessionKey key, List<NewEvent> events, long chars) implements Pending {
    static PendingEvents of(SessionKey key, List<NewEvent> events) {
      long chars = 0;
      for (NewEvent e : events) {
        chars += e.type().length() + (e.reason() == null ? 0 : e.reason().length())
            + (e.json() == null ? 0 : e.json().length());
      }
      return new PendingEvents(key, List.copyOf(events), chars);
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final CheckpointStore delegate;
  private final BufferedStoreOptions options;
  private final Consumer<String> listener;

  // guarded by this: callers arrive from any event loop
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  /** The characters of message text the queue holds, against {@link BufferedStoreOptions#maxQueuedChars()}. */
  private long queuedChars;
  /**
   * Per session with appends queued: its messages as of its last queued write (which its next write shares), how
   * many of its appends are queued, and the characters they were charged. A session's writes share their messages,
   * so their characters are released together, when its last queued append leaves the queue.
   */
  private final java.util.Map<SessionKey, QueuedSession> sessions = new java.util.HashMap<>();

  private static final class QueuedSession {
    List<NewMessage> last;
    int appends;
    long chars;
  }
  private boolean degraded;
  private boolean flushing;
  private long dropped;
  private long droppedThisOutage;
  private long flushedThisOutage;
  private long retryDelayMillis;
  private long retryTimer = -1;
  private long lastAttemptMillis;
  private long provisionalEvents;

  public BufferedCheckpointStore(Vertx vertx, CheckpointStore delegate) {
    this(vertx, delegate, BufferedStoreOptions.defaults(), event -> {});
  }

  /** @param listener receives "degraded: ...", "dropped: ...", "recovered: ..." (may be called on any thread) */
  public BufferedCheckpointStore(Vertx vertx, CheckpointStore delegate, BufferedStoreOptions options,
      Consumer<String> listener) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.context = vertx.getOrCreateContext();
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.options = Objects.requireNonNull(options, "options");
    this.listener = listener == null ? event -> {} : listener;
    this.retryDelayMillis = options.retryFirst().toMillis();
  }

  /** True from the first unreachable write until every queued write has landed. */
  public synchronized boolean degraded() {
    return degraded;
  }

  public synchronized int queued() {
    return queue.size();
  }

  /** The message text the queued writes hold, in characters. */
  public synchronized long queuedChars() {
    return queuedChars;
  }

  /** Writes lost because the queue was full (or rejected on replay), since this store was created. */
  public synchronized long dropped() {
    return dropped;
  }

  public CheckpointStore delegate() {
    return delegate;
  }

  // ---------------------------------------------------------------- buffered writes

  @Override
  public Future<SessionMeta> append(SessionKey key, Append append) {
    if (key == null || append == null) {
      return Future.failedFuture(new IllegalArgumentException("key and append are required"));
    }
    if (degraded()) {
      PendingAppend pending = pendingAppend(key, append);
      Boolean queued = enqueue(pending, null);
      if (queued != null) return Future.succeededFuture(provisional(pending, queued));
    }
    return delegate.append(key, append).recover(err -> {
      if (!(err instanceof StoreUnavailableException)) return Future.failedFuture(err);
      PendingAppend pending = pendingAppend(key, append);
      return Future.succeededFuture(provisional(pending, enqueue(pending, err)));
    });
  }

  @Override
  public Future<List<String>> appendEvents(SessionKey key, List<NewEvent> events) {
    if (key == null || events == null || events.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("a session key and at least one event are required"));
    }
    PendingEvents pending = PendingEvents.of(key, events);
    Boolean queued = enqueue(pending, null);
    if (queued != null) return Future.succeededFuture(provisionalEventIds(queued, pending.events().size()));
    return delegate.appendEvents(key, pending.events()).recover(err -> err instanceof StoreUnavailableException
        ? Future.succeededFuture(provisionalEventIds(enqueue(pending, err), pending.events().size()))
        : Future.failedFuture(err));
  }

  // ---------------------------------------------------------------- pass-through (fail while degraded)

  @Override
  public Future<SessionMeta> fork(SessionKey from, int checkpointSeq, SessionKey to) {
    return unlessDegraded(() -> delegate.fork(from, checkpointSeq, to));
  }

  @Override
  public Future<SessionMeta> restore(SessionKey key, int checkpointSeq, long expectedVersion) {
    return unlessDegraded(() -> delegate.restore(key, checkpointSeq, expectedVersion));
  }

  @Override
  public Future<Boolean> delete(SessionKey key) {
    return unlessDegraded(() -> delegate.delete(key));
  }

  @Override
  public Future<SessionMeta> meta(SessionKey key) {
    return unlessDegraded(() -> delegate.meta(key));
  }

  @Override
  public Future<List<StoredMessage>> messages(SessionKey key, int from, int toExclusive) {
    return unlessDegraded(() -> delegate.messages(key, from, toExclusive));
  }

  @Override
  public Future<List<Checkpoint>> checkpoints(SessionKey key) {
    return unlessDegraded(() -> delegate.checkpoints(key));
  }

  @Override
  public Future<Checkpoint> checkpoint(SessionKey key, int seq) {
    return unlessDegraded(() -> delegate.checkpoint(key, seq));
  }

  @Override
  public Future<List<SessionMeta>> list(String tenant, int offset, int limit) {
    return unlessDegraded(() -> delegate.list(tenant, offset, limit));
  }

  @Override
  public Future<List<SessionEvent>> events(SessionKey key, String afterId, int limit) {
    return unlessDegraded(() -> delegate.events(key, afterId, limit));
  }

  @Override
  public Future<Void> putResponse(StoredResponse response) {
    return unlessDegraded(() -> delegate.putResponse(response));
  }

  @Override
  public Future<StoredResponse> response(String tenant, String responseId) {
    return unlessDegraded(() -> delegate.response(tenant, responseId));
  }

  @Override
  public Future<Boolean> deleteResponse(String tenant, String responseId) {
    return unlessDegraded(() -> delegate.deleteResponse(tenant, responseId));
  }

  @Override
  public Future<Void> durable() {
    return delegate.durable();
  }

  /** Reports the backend's reachability (not the queue); a success while degraded starts a flush. */
  @Override
  public Future<Void> ping() {
    return delegate.ping().onSuccess(ok -> {
      if (degraded()) context.runOnContext(v -> flush());
    });
  }

  @Override
  public Future<Void> close() {
    int lost;
    synchronized (this) {
      cancelRetry();
      lost = queue.size();
      queue.clear();
      queuedChars = 0;
      sessions.clear();
    }
    if (lost > 0) emit("closed with " + lost + " queued writes not flushed");
    return delegate.close();
  }

  // ---------------------------------------------------------------- queue

  /** The write as it waits in the queue, sharing the messages of the session's write queued before it. */
  private PendingAppend pendingAppend(SessionKey key, Append append) {
    List<NewMessage> before;
    synchronized (this) {
      QueuedSession session = sessions.get(key);
      before = session == null ? null : session.last;
    }
    return PendingAppend.of(key, append, before);
  }

  /**
   * Queues a write. With a {@code cause} (the write just failed as unreachable) this enters degraded mode if needed;
   * without one it only queues when already degraded, so that the write goes behind the earlier ones.
   *
   * @return null when not degraded and no cause (send the write normally), false when dropped (queue full)
   */
  private Boolean enqueue(Pending pending, Throwable cause) {
    List<String> events = new ArrayList<>(2);
    boolean queued;
    boolean attemptFlush = false;
    synchronized (this) {
      if (!degraded) {
        if (cause == null) return null;
        degraded = true;
        droppedThisOutage = 0;
        flushedThisOutage = 0;
        retryDelayMillis = options.retryFirst().toMillis();
        lastAttemptMillis = options.clock().millis();
        events.add("degraded: store unreachable (" + cause.getMessage() + "); buffering writes, at most "
            + options.maxQueued() + " holding " + options.maxQueuedChars() / (1024 * 1024) + " Mi characters");
        scheduleRetry();
      } else {
        // opportunistic flush on a new write, rate-limited so a dead backend is not hit by every write
        attemptFlush = !flushing && options.clock().millis() - lastAttemptMillis >= options.retryFirst().toMillis();
      }
      queued = queue.size() < options.maxQueued() && queuedChars + pending.chars() <= options.maxQueuedChars();
      if (queued) {
        queue.addLast(pending);
        queuedChars += pending.chars();
        if (pending instanceof PendingAppend a) {
          QueuedSession session = sessions.computeIfAbsent(a.key(), k -> new QueuedSession());
          session.appends++;
          session.chars += a.chars();
          session.last = a.after();
        }
      } else {
        dropped++;
        if (droppedThisOutage++ == 0) {
          events.add("dropped: write queue full (" + queue.size() + " writes holding " + queuedChars / 1024
              + " Ki characters; at most " + options.maxQueued() + " and " + options.maxQueuedChars() / (1024 * 1024)
              + " Mi), dropping new writes until the store recovers");
        }
      }
    }
    events.forEach(this::emit);
    if (attemptFlush) context.runOnContext(v -> flush());
    return queued;
  }

  /** Replays queued writes one by one, in order, until the queue is empty or the backend is unreachable again. */
  private void flush() {
    Pending head;
    synchronized (this) {
      if (flushing || queue.isEmpty()) return;
      flushing = true;
      lastAttemptMillis = options.clock().millis();
      head = queue.peekFirst();
    }
    replay(head, REPLAY_ATTEMPTS).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof StoreUnavailableException) {
        synchronized (this) {
          flushing = false;
          scheduleRetry();
        }
        return;
      }
      String event = null;
      synchronized (this) {
        if (queue.peekFirst() == head) {
          queue.pollFirst();
          released(head);
        }
        flushing = false;
        if (ar.failed()) {
          dropped++;
          droppedThisOutage++;
          event = "dropped: queued write to " + head.key() + " rejected on replay: " + ar.cause().getMessage();
        } else {
          flushedThisOutage++;
        }
      }
      if (event != null) emit(event);
      // next step on the context (not recursively): a long queue must not grow the stack
      context.runOnContext(v -> {
        if (!finishIfEmpty()) flush();
      });
    });
  }

  /** Must hold the lock: {@code done} has left the queue. */
  private void released(Pending done) {
    if (!(done instanceof PendingAppend a)) {
      queuedChars -= done.chars();
      return;
    }
    QueuedSession session = sessions.get(a.key());
    if (session != null && --session.appends == 0) {
      queuedChars -= session.chars;
      sessions.remove(a.key());
    }
  }

  /** Leaves degraded mode once the queue has drained. */
  private boolean finishIfEmpty() {
    String event;
    synchronized (this) {
      if (!queue.isEmpty() || !degraded) return queue.isEmpty();
      degraded = false;
      queuedChars = 0;
      sessions.clear();
      cancelRetry();
      retryDelayMillis = options.retryFirst().toMillis();
      event = "recovered: flushed " + flushedThisOutage + " queued writes"
          + (droppedThisOutage > 0 ? ", " + droppedThisOutage + " writes were dropped" : "");
    }
    emit(event);
    return true;
  }

  private Future<?> replay(Pending pending, int attemptsLeft) {
    if (pending instanceof PendingEvents e) return delegate.appendEvents(e.key(), e.events());
    PendingAppend a = (PendingAppend) pending;
    // by meaning: a write that landed before its timeout is not applied twice, a lost head is rebuilt; one that landed
    // is stored only once it is durable (an embedded store's write can be read before its fsync returns)
    if (a.history() != null) {
      return HistoryReconciler.reconcile(delegate, a.key(), a.append(), a.history())
          .compose(done -> delegate.durable().map(done));
    }
    // apply in order: the caller's expectedVersion was provisional, the current version is what counts now
    return delegate.meta(a.key())
        .compose(current -> delegate.append(a.key(), a.append().atVersion(current == null ? 0 : current.version())))
        .recover(err -> err instanceof StaleWriteException && attemptsLeft > 1
            ? replay(pending, attemptsLeft - 1).map(x -> null)
            : Future.failedFuture(err));
  }

  /** Must hold the lock. */
  private void scheduleRetry() {
    if (retryTimer >= 0) return;
    long delay = retryDelayMillis;
    retryDelayMillis = Math.min(retryDelayMillis * 2, options.retryMax().toMillis());
    // the handler takes this lock, so it cannot observe retryTimer before the assignment
    retryTimer = vertx.setTimer(delay, id -> {
      synchronized (this) {
        if (retryTimer == id) retryTimer = -1;
      }
      if (!finishIfEmpty()) flush();
    });
  }

  /** Must hold the lock. */
  private void cancelRetry() {
    if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
    retryTimer = -1;
  }

  // ---------------------------------------------------------------- helpers

  private <T> Future<T> unlessDegraded(Supplier<Future<T>> operation) {
    synchronized (this) {
      if (degraded) {
        return Future.failedFuture(
            new StoreUnavailableException("store degraded: " + queue.size() + " writes waiting to be flushed"));
      }
    }
    return operation.get();
  }

  private SessionMeta provisional(PendingAppend pending, boolean queued) {
    Instant now = options.clock().instant();
    MetaChange change = pending.append().metaOrNone();
    return new SessionMeta(pending.key(), change.protocol(), now, now, change.turnsDelta(), change.tokensDelta(),
        queued ? BUFFERED : DROPPED, change.agent(), pending.append().expectedVersion() + 1, -1, -1, null,
        change.usageDelta());
  }

  private synchronized List<String> provisionalEventIds(boolean queued, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) ids.add((queued ? BUFFERED : DROPPED) + "-" + (++provisionalEvents));
    return ids;
  }

  private void emit(String event) {
    try {
      listener.accept(event);
    } catch (RuntimeException ignored) {
      // a faulty listener must not break the write path
    }
  }
}
