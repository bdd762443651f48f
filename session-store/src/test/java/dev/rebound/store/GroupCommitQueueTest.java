package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The embedded store's worker on a recorded fake transaction: batches, savepoints, commit, and one sync per batch. */
class GroupCommitQueueTest {
  private final Vertx vertx = Vertx.vertx();
  private final WorkerExecutor worker = vertx.createSharedWorkerExecutor("group-commit-test", 1);
  /** What happened on the worker, in order: begin, op:name, rollback-to-savepoint, commit, rollback, sync. */
  private final List<String> log = new CopyOnWriteArrayList<>();
  private boolean failCommit;
  private boolean failSync;
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch blocked = new CountDownLatch(1);

  @AfterEach
  void close() {
    worker.close();
    vertx.close().await();
  }

  private GroupCommitQueue<Recorded> queue(int maxBatch) {
    return new GroupCommitQueue<>(vertx, worker, () -> {
      log.add("begin");
      return new Recorded();
    }, () -> {
      if (failSync) throw new IllegalStateException("disk full");
      log.add("sync");
    }, maxBatch);
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
    assertEquals(List.of("begin", "op:blocker", "commit", "begin", "op:a", "op:b", "op:c", "commit", "sync"), log,
        "the blocker's batch has no durable operation, so no sync; the next one syncs once for both durable ones");
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
    assertEquals(List.of("begin", "op:blocker", "commit", "begin", "op:a", "rollback-to-2", "op:c", "commit", "sync"),
        log);
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
}
