package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job contract on local disk, plus what a restart of the gateway finds there. */
class EmbeddedResponseJobStoreTest extends ResponseJobStoreContract {
  @TempDir
  Path dir;
  private final AtomicInteger stores = new AtomicInteger();

  @Override
  protected Future<? extends ResponseJobStore> newStore(Vertx vertx, Clock clock) {
    return EmbeddedResponseJobStore.open(vertx, dir.resolve("store-" + stores.incrementAndGet()), Duration.ofDays(7), clock);
  }

  @Test
  void aRestartedStoreFindsTheRunningJobWithItsEventsAndHandsItOutWhenTheLeaseRunsOut() {
    Path home = dir.resolve("restart");
    ResponseJobStore first = await(EmbeddedResponseJobStore.open(vertx, home, Duration.ofDays(7), clock));
    await(first.enqueue(job("resp_r")));
    await(first.claim("gw-a", LEASE));
    await(first.record("resp_r", "gw-a", LEASE, new JobProgress("{\"status\":\"in_progress\"}",
        List.of("{\"sequence_number\":0}", "{\"sequence_number\":1}"), 1, List.of("{\"type\":\"wait\"}"), "waiting")));
    await(first.close());

    ResponseJobStore second = await(EmbeddedResponseJobStore.open(vertx, home, Duration.ofDays(7), clock));
    opened.add(second);
    ResponseJob found = await(second.get("acme", "resp_r"));
    assertEquals(ResponseJob.IN_PROGRESS, found.status());
    assertEquals(2, found.events());
    assertEquals(List.of("{\"sequence_number\":1}"), await(second.events("resp_r", 1)));
    assertEquals(List.of("{\"type\":\"wait\"}"), await(second.notes("resp_r")));
    assertNull(await(second.claim("gw-b", LEASE)), "the dead gateway's lease still holds");
    clock.advance(LEASE);
    ResponseJob taken = await(second.claim("gw-b", LEASE));
    assertEquals("gw-b", taken.owner());
    assertEquals(2, taken.runs());
    assertEquals(1, taken.attempts());
  }

  @Test
  void aStreamReaderGetsAnEventOnlyOnceItIsOnDisk() {
    EmbeddedResponseJobStore store =
        await(EmbeddedResponseJobStore.open(vertx, dir.resolve("durable-read"), Duration.ofDays(7), clock));
    opened.add(store);
    await(store.enqueue(job("resp_d")));
    await(store.claim("gw-a", LEASE));
    // a slow disk: the store's one disk thread is busy until the test lets it go
    CountDownLatch disk = new CountDownLatch(1);
    WorkerExecutor sameThread = vertx.createSharedWorkerExecutor(store.diskWorker(), 1);
    sameThread.executeBlocking(() -> disk.await(10, TimeUnit.SECONDS));
    Future<ResponseJob> recorded = store.record("resp_d", "gw-a", LEASE,
        new JobProgress(null, List.of("{\"sequence_number\":0}"), 0, List.of(), null));
    // a gateway killed now would lose the event: a client polling the stream must not have it either
    assertEquals(List.of(), await(store.events("resp_d", 0)));
    disk.countDown();
    await(recorded);
    assertEquals(List.of("{\"sequence_number\":0}"), await(store.events("resp_d", 0)));
    sameThread.close();
  }

  @Test
  void aJobWhoseFirstWriteAStalledDiskHoldsIsRefusedWithdrawnAndNeverRun() throws Exception {
    Path home = dir.resolve("stalled");
    EmbeddedResponseJobStore store =
        await(EmbeddedResponseJobStore.open(vertx, home, Duration.ofDays(7), clock, Duration.ofMillis(200)));
    opened.add(store);
    CountDownLatch disk = new CountDownLatch(1);
    WorkerExecutor sameThread = vertx.createSharedWorkerExecutor(store.diskWorker(), 1);
    sameThread.executeBlocking(() -> disk.await(10, TimeUnit.SECONDS));
    StoreUnavailableException stalled = failure(store.enqueue(job("resp_s")), StoreUnavailableException.class);
    assertTrue(stalled.getMessage().contains("within 200 ms"), stalled.getMessage());
    assertNull(await(store.claim("gw-a", LEASE)), "a refused job is never handed out");
    assertNull(await(store.get("acme", "resp_s")));
    disk.countDown();
    await(sameThread.executeBlocking(() -> null)); // the held write, then the withdrawal's, are done
    assertFalse(Files.exists(home.resolve(EmbeddedResponseJobStore.DIRECTORY).resolve("resp_s.json")),
        "written once the disk returned, then removed");
    await(store.enqueue(job("resp_u")));
    assertEquals("resp_u", await(store.claim("gw-a", LEASE)).id(), "the store goes on");
    sameThread.close();
  }

  @Test
  void aJobWhoseFirstWriteFailsIsNeitherRunNorListed() throws Exception {
    Path home = dir.resolve("unwritable");
    EmbeddedResponseJobStore store = await(EmbeddedResponseJobStore.open(vertx, home, Duration.ofDays(7), clock));
    opened.add(store);
    Path jobs = home.resolve(EmbeddedResponseJobStore.DIRECTORY);
    Files.delete(jobs);
    Files.writeString(jobs, "not a directory"); // every write under it now fails
    failure(store.enqueue(job("resp_f")), java.io.UncheckedIOException.class);
    assertNull(await(store.get("acme", "resp_f")));
    assertNull(await(store.claim("gw-a", LEASE)), "a refused job is never handed out");
    assertEquals(List.of(), await(store.list(10)));
  }

  @Test
  void finishedJobsOlderThanTheirKeepAreDroppedOnOpen() {
    Path home = dir.resolve("purge");
    ResponseJobStore first = await(EmbeddedResponseJobStore.open(vertx, home, Duration.ofDays(1), clock));
    await(first.enqueue(job("resp_done")));
    clock.advance(Duration.ofSeconds(1));
    await(first.enqueue(job("resp_waiting")));
    await(first.claim("gw-a", LEASE));
    await(first.finish("resp_done", "gw-a", ResponseJob.COMPLETED, JobProgress.NONE));
    await(first.close());
    clock.advance(Duration.ofDays(2));
    ResponseJobStore second = await(EmbeddedResponseJobStore.open(vertx, home, Duration.ofDays(1), clock));
    opened.add(second);
    assertNull(await(second.get("acme", "resp_done")));
    assertEquals(ResponseJob.QUEUED, await(second.get("acme", "resp_waiting")).status());
  }
}
