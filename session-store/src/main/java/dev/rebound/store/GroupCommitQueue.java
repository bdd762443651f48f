package dev.rebound.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The embedded store's worker. Operations run in the order they were queued, on one ordered worker thread, each as
 * if alone (a failed one is rolled back to its savepoint and leaves no trace), but whatever has queued up while the
 * worker was busy runs as one batch in one transaction: one commit and one hand-off for many operations under load.
 * The batch is committed before any of its callers learns its result; a batch holding a durable operation is then
 * written to the file and fsynced once (group commit), and its durable operations are answered only after that.
 * Results are delivered on each caller's context.
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
  private final Supplier<B> begin;
  private final Runnable sync;
  private final int maxBatch;

  /** Operations waiting for the worker (guarded by itself), and whether a drain of them is scheduled on it. */
  private final ArrayDeque<Queued<B, ?>> queue = new ArrayDeque<>();
  private boolean drainScheduled;

  /**
   * @param worker an ordered worker with one thread: the only thread that touches the storage
   * @param begin starts a batch's transaction
   * @param sync writes what is committed to the file and fsyncs it
   * @param maxBatch operations per batch at most: bounds the work lost to one failed commit and the wait of the first
   */
  GroupCommitQueue(Vertx vertx, WorkerExecutor worker, Supplier<B> begin, Runnable sync, int maxBatch) {
    if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, but was " + maxBatch);
    this.vertx = vertx;
    this.worker = worker;
    this.begin = begin;
    this.sync = sync;
    this.maxBatch = maxBatch;
  }

  /** Queues {@code operation}; a durable one is answered only once its batch is on disk (written and fsynced). */
  <T> Future<T> submit(boolean durable, Operation<B, T> operation) {
    Promise<T> promise = Promise.promise();
    boolean schedule;
    synchronized (queue) {
      queue.addLast(new Queued<>(operation, durable, promise, vertx.getOrCreateContext()));
      schedule = !drainScheduled;
      drainScheduled = true;
    }
    if (schedule) scheduleDrain();
    return promise.future();
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
      while (!queue.isEmpty() && batch.size() < maxBatch) batch.add(queue.pollFirst());
      more = !queue.isEmpty();
      drainScheduled = more;
    }
    if (more) scheduleDrain(); // behind this one on the same ordered worker
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
    Throwable unsynced = null;
    if (batch.stream().anyMatch(Queued::durable)) {
      try {
        // group commit: one file write and one fsync for every durable write that queued up meanwhile
        sync.run();
      } catch (RuntimeException | Error e) {
        unsynced = new StoreUnavailableException("embedded store could not write its file: " + e.getMessage());
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      Queued<B, ?> q = batch.get(i);
      deliver(q, results[i], failures[i] != null ? failures[i] : q.durable() ? unsynced : null);
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

  /** An operation waiting for the worker, with where its caller wants the result. */
  private record Queued<B, T>(Operation<B, T> operation, boolean durable, Promise<T> promise, Context caller) {
    void complete(T result) {
      caller.runOnContext(v -> promise.complete(result));
    }

    void fail(Throwable failure) {
      caller.runOnContext(v -> promise.fail(failure));
    }
  }
}
