package dev.rebound.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The embedded store's worker. Operations run in the order they were queued, on one ordered worker thread, each as
 * if alone (a failed one is rolled back to its savepoint and leaves no trace), but whatever has queued up while the
 * worker was busy runs as one batch in one transaction: one commit and one hand-off for many operations under load.
 * The batch is committed before any of its callers learns its result. A batch holding a durable operation is then
 * written to the file on the worker and fsynced on a second thread, the syncer (group commit): its durable operations
 * are answered only after the fsync, while the worker goes on with the next batch, so the fsync of one batch overlaps
 * the work of the next instead of holding it up. The syncer fsyncs once for every batch written while it was busy,
 * in order. Other operations are answered once their batch is committed. Results are delivered on each caller's
 * context.
 *
 * <p>An operation not answered within its deadline ({@link #expireOverdue}, called every second) fails with
 * {@link StoreUnavailableException}, as a Redis command does past its timeout: a disk that stalls (an fsync that does
 * not return, a hung network volume) must not hold every request with a session until it recovers; the caller goes
 * degraded ({@link BufferedCheckpointStore}) instead. One the worker has not begun is then never run; one it has
 * begun may still land, which the buffered replay reconciles by history.
 *
 * @param <B> what an operation works on: the batch's transaction
 */
final class GroupCommitQueue<B extends GroupCommitQueue.Batch> {

  /** One batch's transaction, as the queue drives it. */
  interface Batch {
    long setSavepoint();

    void rollbackToSavepoint(long savepoint);

    void commit();

    void rollback();
  }

  /** One queued piece of store work; it runs on the worker thread. */
  @FunctionalInterface
  interface Operation<B, T> {
    T apply(B batch) throws Exception;
  }

  private final Vertx vertx;
  private final WorkerExecutor worker;
  private final WorkerExecutor syncer;
  private final Supplier<B> begin;
  private final Runnable write;
  private final Runnable sync;
  private final int maxBatch;
  private final long answerWithinNanos;
  private final LongSupplier nanoTime;

  /** Operations waiting for the worker (guarded by itself), and whether a drain of them is scheduled on it. */
  private final ArrayDeque<Queued<B, ?>> queue = new ArrayDeque<>();
  private boolean drainScheduled;
  /** Every operation not known to be answered, oldest first (guarded by {@link #queue}): where deadlines are checked. */
  private final ArrayDeque<Queued<B, ?>> unanswered = new ArrayDeque<>();
  /** Written batches' durable operations waiting for the fsync (guarded by itself), and whether one is scheduled. */
  private final ArrayDeque<Written> unsynced = new ArrayDeque<>();
  private boolean syncScheduled;

  /**
   * @param worker an ordered worker with one thread: the only thread that touches the storage's data
   * @param syncer a worker with one thread of its own: fsyncs what the worker wrote
   * @param begin starts a batch's transaction
   * @param write writes what is committed to the file (the worker calls it)
   * @param sync fsyncs the file: makes everything written before the call durable (the syncer calls it)
   * @param maxBatch operations per batch at most: bounds the work lost to one failed commit and the wait of the first
   * @param answerWithin how long an operation may wait for its answer, from its submission
   * @param nanoTime the clock of those deadlines ({@link System#nanoTime} but in tests)
   */
  GroupCommitQueue(Vertx vertx, WorkerExecutor worker, WorkerExecutor syncer, Supplier<B> begin, Runnable write,
      Runnable sync, int maxBatch, Duration answerWithin, LongSupplier nanoTime) {
    if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, but was " + maxBatch);
    this.answerWithinNanos = answerWithin.toNanos();
    this.nanoTime = nanoTime;
    this.vertx = vertx;
    this.worker = worker;
    this.syncer = syncer;
    this.begin = begin;
    this.write = write;
    this.sync = sync;
    this.maxBatch = maxBatch;
  }

  /** Queues {@code operation}; a durable one is answered only once its batch is on disk (written and fsynced). */
  <T> Future<T> submit(boolean durable, Operation<B, T> operation) {
    Queued<B, T> queued = new Queued<>(operation, durable, Promise.promise(), vertx.getOrCreateContext(),
        nanoTime.getAsLong());
    boolean schedule;
    synchronized (queue) {
      queue.addLast(queued);
      // what was answered leaves the deadline list as soon as nothing older waits: it holds no more than that
      while (!unanswered.isEmpty() && unanswered.peekFirst().answered) unanswered.pollFirst();
      unanswered.addLast(queued);
      schedule = !drainScheduled;
      drainScheduled = true;
    }
    if (schedule) scheduleDrain();
    return queued.promise.future();
  }

  /**
   * Fails every operation submitted longer than the deadline ago and not answered yet; ones the worker has not begun
   * are dropped from its queue. Answered operations leave the deadline list here too.
   */
  void expireOverdue() {
    long now = nanoTime.getAsLong();
    List<Queued<B, ?>> overdue = new ArrayList<>();
    synchronized (queue) {
      Queued<B, ?> q;
      while ((q = unanswered.peekFirst()) != null) {
        if (!q.answered && now - q.submittedNanos < answerWithinNanos) break;
        unanswered.pollFirst();
        if (q.answered) continue;
        q.expired = true;
        overdue.add(q);
      }
    }
    if (overdue.isEmpty()) return;
    StoreUnavailableException late = new StoreUnavailableException("the embedded store did not answer within "
        + answerWithinNanos / 1_000_000 + " ms: its disk may be stalled");
    for (Queued<B, ?> q : overdue) q.fail(late);
  }

  private void scheduleDrain() {
    worker.executeBlocking(() -> {
      drain();
      return null;
    }, true);
  }

  /** Worker thread: runs one batch of queued operations in one transaction. */
  private void drain() {
    List<Queued<B, ?>> batch = new ArrayList<>();
    boolean more;
    synchronized (queue) {
      while (!queue.isEmpty() && batch.size() < maxBatch) {
        Queued<B, ?> q = queue.pollFirst();
        if (!q.expired) batch.add(q); // one its caller gave up on is not run
      }
      more = !queue.isEmpty();
      drainScheduled = more;
    }
    if (more) scheduleDrain(); // behind this one on the same ordered worker
    if (batch.isEmpty()) return;
    Object[] results = new Object[batch.size()];
    Throwable[] failures = new Throwable[batch.size()];
    B tx;
    try {
      tx = begin.get();
    } catch (RuntimeException | Error e) {
      // closed under the batch's feet, or broken
      for (Queued<B, ?> q : batch) q.fail(e);
      return;
    }
    try {
      for (int i = 0; i < batch.size(); i++) {
        long savepoint = tx.setSavepoint();
        try {
          results[i] = batch.get(i).operation().apply(tx);
        } catch (Exception | Error e) {
          tx.rollbackToSavepoint(savepoint);
          failures[i] = e;
        }
      }
      tx.commit();
    } catch (RuntimeException | Error e) {
      // the commit itself failed: nothing of the batch is stored
      try {
        tx.rollback();
      } catch (RuntimeException | Error ignored) {
        // the store is broken; the callers learn it from the commit's failure
      }
      for (Queued<B, ?> q : batch) q.fail(e);
      return;
    }
    // everything but the durable operations is answered now: committed, and fsynced with a later durable batch
    List<Done> durable = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Queued<B, ?> q = batch.get(i);
      if (q.durable() && failures[i] == null) {
        durable.add(new Done(q, results[i]));
      } else {
        deliver(q, results[i], failures[i]);
      }
    }
    if (durable.isEmpty()) return;
    try {
      write.run();
    } catch (RuntimeException | Error e) {
      Throwable unwritten = new StoreUnavailableException("embedded store could not write its file: " + e.getMessage());
      for (Done d : durable) d.operation().fail(unwritten);
      return;
    }
    boolean schedule;
    synchronized (unsynced) {
      unsynced.addLast(new Written(durable, null));
      schedule = !syncScheduled;
      syncScheduled = true;
    }
    if (schedule) scheduleSync();
  }

  /**
   * A future completed once everything written so far is fsynced and answered; for closing, which must not close the
   * file under an fsync. It completes on the syncer's thread, not on a caller's context.
   */
  Future<Void> synced() {
    Promise<Void> done = Promise.promise();
    boolean schedule;
    synchronized (unsynced) {
      unsynced.addLast(new Written(List.of(), done));
      schedule = !syncScheduled;
      syncScheduled = true;
    }
    if (schedule) scheduleSync();
    return done.future();
  }

  private void scheduleSync() {
    // not "ordered": Vert.x orders blocking tasks per calling context, and the caller here is the worker's task (or a
    // close waiting for this): an ordered task would queue behind it. One sync is scheduled at a time anyway.
    syncer.executeBlocking(() -> {
      syncAll();
      return null;
    }, false);
  }

  /** Syncer thread: one fsync for every batch written since the last one, then their durable operations' answers. */
  private void syncAll() {
    List<Written> written;
    synchronized (unsynced) {
      written = new ArrayList<>(unsynced);
      unsynced.clear();
      syncScheduled = false;
    }
    Throwable failure = null;
    try {
      // group commit: one fsync for every durable write that queued up meanwhile (none when only barriers wait)
      if (written.stream().anyMatch(w -> !w.operations().isEmpty())) sync.run();
    } catch (RuntimeException | Error e) {
      failure = new StoreUnavailableException("embedded store could not write its file: " + e.getMessage());
    }
    for (Written w : written) {
      for (Done d : w.operations()) deliver(d.operation(), d.result(), failure);
      if (w.barrier() != null) w.barrier().complete();
    }
  }

  @SuppressWarnings("unchecked")
  private static <B, T> void deliver(Queued<B, T> queued, Object result, Throwable failure) {
    if (failure != null) {
      queued.fail(failure);
    } else {
      queued.complete((T) result);
    }
  }

  /** A written batch's durable operations, waiting for the fsync; or a barrier ({@link #synced}). */
  private record Written(List<Done> operations, Promise<Void> barrier) {}

  /** An operation that ran, with its result, waiting to be answered. */
  private record Done(Queued<?, ?> operation, Object result) {}

  /** An operation waiting for the worker, with where its caller wants the result. */
  private static final class Queued<B, T> {
    final Operation<B, T> operation;
    final boolean durable;
    final Promise<T> promise;
    final Context caller;
    final long submittedNanos;
    /** Set once its answer is on its way; {@link #expired} (guarded by the queue) once its deadline failed it. */
    volatile boolean answered;
    boolean expired;

    Queued(Operation<B, T> operation, boolean durable, Promise<T> promise, Context caller, long submittedNanos) {
      this.operation = operation;
      this.durable = durable;
      this.promise = promise;
      this.caller = caller;
      this.submittedNanos = submittedNanos;
    }

    Operation<B, T> operation() {
      return operation;
    }

    boolean durable() {
      return durable;
    }

    // try*: the deadline may have failed it first
    void complete(T result) {
      answered = true;
      caller.runOnContext(v -> promise.tryComplete(result));
    }

    void fail(Throwable failure) {
      answered = true;
      caller.runOnContext(v -> promise.tryFail(failure));
    }
  }
}
