package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded store's worker on a recorded fake transaction: batches, savepoints, commit, one write per durable batch
 * and its fsync on the syncer, which overlaps the next batch.
 */
class GroupCommitQueueTest {
  private final Vertx vertx = Vertx.vertx();
  private final WorkerExecutor worker = vertx.createSharedWorkerExecutor("group-commit-test", 1);
  private final WorkerExecutor syncer = vertx.createSharedWorkerExecutor("group-commit-test-sync", 1);
  /** What happened, in order: begin, op:name, rollback-to-savepoint, commit, rollback, write (worker), sync (syncer). */
  private final List<String> log = new CopyOnWriteArrayList<>();
  private boolean failCommit;
  private boolean failWrite;
  private boolean failSync;
  /** When set, the syncer waits for it before each fsync. */
  private volatile CountDownLatch holdSync;
  /** Counted down when the syncer starts an fsync. */
  private final CountDownLatch syncStarted = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch blocked = new CountDownLatch(1);
  /** The deadlines' clock: moved by the tests, never slept on. */
  private final AtomicLong nanos = new AtomicLong();
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

  @AfterEach
  void close() {
    worker.close();
    syncer.close();
    vertx.close().await();
  }

  private GroupCommitQueue<Recorded> queue(int maxBatch) {
    return new GroupCommitQueue<>(vertx, worker, syncer, () -> {
      log.add("begin");
      return new Recorded();
    }, () -> {
      if (failWrite) throw new IllegalStateException("no space left on device");
      log.add("write");
    }, () -> {
      syncStarted.countDown();
      CountDownLatch hold = holdSync;
      if (hold != null) awaitLatch(hold);
      if (failSync) throw new IllegalStateException("disk full");
      log.add("sync");
    }, maxBatch, ANSWER_WITHIN, nanos::get);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Recorded implements GroupCommitQueue.Batch {
    private int savepoints;

    @Override
    public long setSavepoint() {
      return ++savepoints;
    }

    @Override
    public void rollbackToSavepoint(long savepoint) {
      log.add("rollback-to-" + savepoint);
    }

    @Override
    public void commit() {
      if (failCommit) throw new IllegalStateException("commit failed");
      log.add("commit");
    }

    @Override
    public void rollback() {
      log.add("rollback");
    }
  }

  private GroupCommitQueue.Operation<Recorded, String> op(String name) {
    return tx -> {
      log.add("op:" + name);
      return name;
    };
  }

  /** Holds the worker busy until {@link #release}, so that what is submitted meanwhile queues up as one batch. */
  private Future<String> occupyTheWorker(GroupCommitQueue<Recorded> queue) throws InterruptedException {
    Future<String> first = queue.submit(false, tx -> {
      log.add("op:blocker");
      blocked.countDown();
      release.await(10, TimeUnit.SECONDS);
      return "blocker";
    });
    blocked.await(10, TimeUnit.SECONDS);
    return first;
  }

  @Test
  void whatQueuesWhileTheWorkerIsBusyRunsAsOneBatchWithOneCommitAndOneSync() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    Future<String> first = occupyTheWorker(queue);
    Future<String> a = queue.submit(true, op("a"));
    Future<String> b = queue.submit(false, op("b"));
    Future<String> c = queue.submit(true, op("c"));
    release.countDown();
    assertEquals(List.of("blocker", "a", "b", "c"), List.of(await(first), await(a), await(b), await(c)));
    assertEquals(List.of("begin", "op:blocker", "commit", "begin", "op:a", "op:b", "op:c", "commit", "write", "sync"),
        log, "the blocker's batch has no durable operation, so no write or sync; the next one syncs once for both");
  }

  @Test
  void aFailedOperationIsRolledBackToItsSavepointAndFailsAlone() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    Future<String> first = occupyTheWorker(queue);
    Future<String> a = queue.submit(true, op("a"));
    Future<String> broken = queue.submit(true, tx -> {
      throw new StaleWriteException(new SessionKey("t", "s"), 1, 2);
    });
    Future<String> c = queue.submit(true, op("c"));
    release.countDown();
    await(first);
    assertEquals("a", await(a));
    failure(broken, StaleWriteException.class);
    assertEquals("c", await(c));
    assertEquals(List.of("begin", "op:blocker", "commit", "begin", "op:a", "rollback-to-2", "op:c", "commit", "write",
        "sync"), log);
  }

  @Test
  void aFailedCommitFailsEveryOperationOfItsBatch() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    failCommit = true;
    Future<String> a = queue.submit(false, op("a"));
    assertEquals("commit failed", failure(a, IllegalStateException.class).getMessage());
    assertEquals(List.of("begin", "op:a", "rollback"), log);
  }

  @Test
  void aFailedSyncFailsOnlyTheDurableOperationsOfItsBatch() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    failSync = true;
    Future<String> first = occupyTheWorker(queue);
    Future<String> durable = queue.submit(true, op("durable"));
    Future<String> other = queue.submit(false, op("other"));
    release.countDown();
    await(first);
    assertEquals("embedded store could not write its file: disk full",
        failure(durable, StoreUnavailableException.class).getMessage());
    assertEquals("other", await(other), "committed in memory: MVStore writes it later");
  }

  @Test
  void aFailedWriteFailsOnlyTheDurableOperationsOfItsBatchAndIsNotSynced() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    failWrite = true;
    Future<String> first = occupyTheWorker(queue);
    Future<String> durable = queue.submit(true, op("durable"));
    Future<String> other = queue.submit(false, op("other"));
    release.countDown();
    await(first);
    assertEquals("embedded store could not write its file: no space left on device",
        failure(durable, StoreUnavailableException.class).getMessage());
    assertEquals("other", await(other));
    await(queue.synced());
    assertEquals(List.of("begin", "op:blocker", "commit", "begin", "op:durable", "op:other", "commit"), log);
  }

  @Test
  void theWorkerGoesOnWithTheNextBatchWhileTheSyncerFsyncsAndADurableAnswerWaitsForItsFsync() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    holdSync = new CountDownLatch(1);
    Future<String> a = queue.submit(true, op("a"));
    awaitLatch(syncStarted); // a is written and the syncer holds its fsync: the worker is free for what comes next
    Future<String> b = queue.submit(false, op("b"));
    Future<String> c = queue.submit(true, op("c"));
    assertEquals("b", await(b), "a non-durable operation is answered once committed, fsync or not");
    Await.until(Duration.ofSeconds(10), "the second durable batch is written too", () -> log.stream().filter("write"::equals).count() == 2);
    assertFalse(a.isComplete(), "a is written but not fsynced yet");
    assertFalse(c.isComplete(), "c is written but not fsynced yet");
    holdSync.countDown();
    assertEquals(List.of("a", "c"), List.of(await(a), await(c)));
    assertEquals(List.of("begin", "op:a", "commit", "write"), log.subList(0, 4));
    assertEquals(List.of("sync", "sync"), log.subList(log.size() - 2, log.size()), "a's fsync, then c's: " + log);
  }

  @Test
  void batchesWrittenWhileTheSyncerIsBusyShareOneFsync() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    holdSync = new CountDownLatch(1);
    Future<String> a = queue.submit(true, op("a"));
    awaitLatch(syncStarted); // a is written and the syncer holds its fsync: the worker is free for what comes next
    // b and c are written as batches of their own meanwhile
    Future<String> b = queue.submit(true, op("b"));
    Await.until(Duration.ofSeconds(10), "b is written", () -> log.stream().filter("write"::equals).count() == 2);
    Future<String> c = queue.submit(true, op("c"));
    Await.until(Duration.ofSeconds(10), "c is written", () -> log.stream().filter("write"::equals).count() == 3);
    holdSync.countDown();
    assertEquals(List.of("a", "b", "c"), List.of(await(a), await(b), await(c)));
    assertEquals(2, log.stream().filter("sync"::equals).count(), "one fsync for a, one for b and c together: " + log);
  }

  @Test
  void aBatchHoldsAtMostMaxBatchOperations() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(2);
    Future<String> first = occupyTheWorker(queue);
    List<Future<String>> queued = new ArrayList<>();
    for (String name : List.of("a", "b", "c", "d", "e")) queued.add(queue.submit(false, op(name)));
    release.countDown();
    await(first);
    for (Future<String> f : queued) await(f);
    assertEquals(List.of("begin", "op:blocker", "commit", "begin", "op:a", "op:b", "commit", "begin", "op:c", "op:d",
        "commit", "begin", "op:e", "commit"), log);
  }

  @Test
  void resultsArriveOnTheCallersContext() {
    GroupCommitQueue<Recorded> queue = queue(256);
    Context caller = vertx.getOrCreateContext();
    Promise<Context> answeredOn = Promise.promise();
    caller.runOnContext(v -> queue.submit(true, op("a"))
        .onComplete(ar -> answeredOn.complete(Vertx.currentContext())));
    assertSame(caller, await(answeredOn.future()));
  }

  @Test
  void aDurableOperationWhoseFsyncStallsFailsAsUnavailableAtItsDeadlineAndItsLateAnswerIsNotHeard() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    holdSync = new CountDownLatch(1);
    Future<String> a = queue.submit(true, op("a"));
    awaitLatch(syncStarted); // written; the fsync hangs
    nanos.addAndGet(ANSWER_WITHIN.toNanos() - 1);
    queue.expireOverdue();
    Future<String> b = queue.submit(false, op("b")); // reads still run on the worker meanwhile
    assertEquals("b", await(b));
    assertFalse(a.isComplete(), "not yet past its deadline");
    nanos.addAndGet(1);
    queue.expireOverdue();
    Throwable late = failure(a, StoreUnavailableException.class);
    assertTrue(late.getMessage().contains("did not answer within 5000 ms"), late.getMessage());
    holdSync.countDown(); // the disk comes back: a's answer comes, to a caller that already heard
    Await.until(Duration.ofSeconds(10), "the fsync", () -> log.contains("sync"));
    Future<String> c = queue.submit(true, op("c"));
    assertEquals("c", await(c), "the queue serves on");
    assertTrue(a.failed(), "the late answer is not heard");
  }

  @Test
  void anOperationTheWorkerHasNotBegunByItsDeadlineIsNeverRun() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    Future<String> first = occupyTheWorker(queue);
    Future<String> late = queue.submit(true, op("late"));
    nanos.addAndGet(ANSWER_WITHIN.toNanos());
    queue.expireOverdue();
    failure(late, StoreUnavailableException.class);
    failure(first, StoreUnavailableException.class); // the one the worker is stuck in fails too
    release.countDown();
    Future<String> next = queue.submit(false, op("next"));
    assertEquals("next", await(next));
    assertFalse(log.contains("op:late"), "dropped, not run after its caller gave up: " + log);
  }

  @Test
  void eachOperationsDeadlineRunsFromItsOwnSubmissionNotFromAnOlderOnesBeforeIt() throws Exception {
    GroupCommitQueue<Recorded> queue = queue(256);
    assertEquals("a", await(queue.submit(true, op("a"))));
    nanos.addAndGet(ANSWER_WITHIN.toNanos() - 1_000_000_000L);
    Future<String> first = occupyTheWorker(queue);
    nanos.addAndGet(2_000_000_000L); // a is 6 s old, answered; the stuck one is 2 s old
    queue.expireOverdue();
    assertFalse(first.isComplete(), "not yet at its own deadline");
    nanos.addAndGet(ANSWER_WITHIN.toNanos() - 2_000_000_000L);
    queue.expireOverdue();
    failure(first, StoreUnavailableException.class);
    release.countDown();
  }
}
