package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The behaviour every {@link ResponseJobStore} must have: one queue, leases on an injected clock, no sleeping. */
@ExtendWith(VertxExtension.class)
abstract class ResponseJobStoreContract {
  static final Duration LEASE = Duration.ofSeconds(30);

  protected Vertx vertx;
  protected MutableClock clock;
  protected ResponseJobStore store;
  protected final List<ResponseJobStore> opened = new ArrayList<>();

  /** A store on an empty queue of the backend under test. */
  protected abstract Future<? extends ResponseJobStore> newStore(Vertx vertx, Clock clock);

  @BeforeEach
  void openStore(Vertx vertx) {
    this.vertx = vertx;
    this.clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    this.store = open();
  }

  protected ResponseJobStore open() {
    ResponseJobStore s = await(newStore(vertx, clock));
    opened.add(s);
    return s;
  }

  @AfterEach
  void closeStores() {
    for (ResponseJobStore s : opened) await(s.close());
  }

  protected ResponseJob job(String id) {
    return ResponseJob.queued(id, "acme", "{\"model\":\"m\",\"input\":\"hi\"}", "{\"x-session-id\":\"s1\"}", "s1",
        clock.instant(), clock.instant().plus(Duration.ofHours(6)));
  }

  private static JobProgress events(String... events) {
    return new JobProgress(null, List.of(events), 0, List.of(), null);
  }

  @Test
  void aQueuedJobIsClaimedByOneGatewayOnly() {
    await(store.enqueue(job("resp_1")));
    ResponseJob claimed = await(store.claim("gw-a", LEASE));
    assertEquals("resp_1", claimed.id());
    assertEquals(ResponseJob.IN_PROGRESS, claimed.status());
    assertEquals("gw-a", claimed.owner());
    assertEquals(1, claimed.runs());
    assertEquals(clock.instant().plus(LEASE), claimed.leaseUntil());
    assertEquals("{\"x-session-id\":\"s1\"}", claimed.headers());
    assertEquals("s1", claimed.sessionId());
    assertNull(await(store.claim("gw-b", LEASE)), "a leased job is not claimed twice");
  }

  @Test
  void aJobWhoseLeaseRanOutIsClaimedByAnotherGatewayAndTheFirstLosesIt() {
    await(store.enqueue(job("resp_2")));
    await(store.claim("gw-a", LEASE));
    clock.advance(LEASE.minusSeconds(1));
    assertNull(await(store.claim("gw-b", LEASE)));
    clock.advance(Duration.ofSeconds(1));
    clock.advance(Duration.ofMillis(1500));
    ResponseJob taken = await(store.claim("gw-b", LEASE));
    assertEquals("gw-b", taken.owner());
    assertEquals(2, taken.runs());
    assertEquals("taken over from gateway gw-a: its lease ran out 1500 ms before, without a renewal (it stopped "
        + "answering or died)", taken.reason());
    assertEquals(taken.reason(), await(store.get("acme", "resp_2")).reason(), "the reason is the job's, as stored");
    LeaseLostException lost = failure(store.record("resp_2", "gw-a", LEASE, events("{}")), LeaseLostException.class);
    assertEquals(ResponseJob.IN_PROGRESS, lost.status());
  }

  @Test
  void recordingProgressRenewsTheLeaseAndKeepsTheEventsInOrder() {
    await(store.enqueue(job("resp_3")));
    await(store.claim("gw-a", LEASE));
    clock.advance(Duration.ofSeconds(20));
    ResponseJob after = await(store.record("resp_3", "gw-a", LEASE,
        new JobProgress("{\"status\":\"in_progress\"}", List.of("{\"n\":0}", "{\"n\":1}"), 2,
            List.of("{\"type\":\"wait\"}"), "waiting for the rate limit to reset")));
    assertEquals(2, after.events());
    assertEquals(2, after.attempts());
    assertEquals("waiting for the rate limit to reset", after.reason());
    assertEquals("{\"status\":\"in_progress\"}", after.response());
    await(store.record("resp_3", "gw-a", LEASE, events("{\"n\":2}")));
    clock.advance(Duration.ofSeconds(20));
    assertNull(await(store.claim("gw-b", LEASE)), "the renewed lease still holds 40 s after the claim");
    assertEquals(List.of("{\"n\":0}", "{\"n\":1}", "{\"n\":2}"), await(store.events("resp_3", 0)));
    assertEquals(List.of("{\"n\":2}"), await(store.events("resp_3", 2)));
    assertEquals(List.of(), await(store.events("resp_3", 3)));
    assertEquals(List.of("{\"type\":\"wait\"}"), await(store.notes("resp_3")));
  }

  @Test
  void aFinishedJobKeepsItsResponseAndIsNeverClaimedAgain() {
    await(store.enqueue(job("resp_4")));
    await(store.claim("gw-a", LEASE));
    ResponseJob done = await(store.finish("resp_4", "gw-a", ResponseJob.COMPLETED,
        new JobProgress("{\"status\":\"completed\"}", List.of("{\"type\":\"response.completed\"}"), 1, List.of(), "answered")));
    assertEquals(ResponseJob.COMPLETED, done.status());
    assertNull(done.owner());
    clock.advance(Duration.ofHours(1));
    assertNull(await(store.claim("gw-b", LEASE)));
    ResponseJob read = await(store.get("acme", "resp_4"));
    assertEquals("{\"status\":\"completed\"}", read.response());
    assertEquals(1, read.events());
    assertEquals(ResponseJob.COMPLETED, failure(store.record("resp_4", "gw-a", LEASE, JobProgress.NONE),
        LeaseLostException.class).status());
  }

  @Test
  void aCancelledJobStopsItsRunAndStaysCancelled() {
    await(store.enqueue(job("resp_5")));
    await(store.claim("gw-a", LEASE));
    assertNull(await(store.cancel("other-tenant", "resp_5", "cancelled")), "another tenant's job reads as missing");
    ResponseJob cancelled = await(store.cancel("acme", "resp_5", "cancelled by the client"));
    assertEquals(ResponseJob.CANCELLED, cancelled.status());
    assertEquals("cancelled by the client", cancelled.reason());
    assertEquals(ResponseJob.CANCELLED, failure(store.record("resp_5", "gw-a", LEASE, JobProgress.NONE),
        LeaseLostException.class).status());
    clock.advance(LEASE.multipliedBy(2));
    assertNull(await(store.claim("gw-b", LEASE)));
    assertEquals(ResponseJob.CANCELLED, await(store.cancel("acme", "resp_5", "again")).status());
    assertEquals("cancelled by the client", await(store.get("acme", "resp_5")).reason());
  }

  @Test
  void aReleasedJobWaitsForItsNotBeforeThenAnyGatewayTakesIt() {
    await(store.enqueue(job("resp_6")));
    await(store.claim("gw-a", LEASE));
    ResponseJob back = await(store.release("resp_6", "gw-a", clock.instant().plus(Duration.ofHours(2)),
        JobProgress.reason("the backend's quota resets in 2h")));
    assertEquals(ResponseJob.QUEUED, back.status());
    assertNull(back.owner());
    clock.advance(Duration.ofMinutes(119));
    assertNull(await(store.claim("gw-b", LEASE)));
    clock.advance(Duration.ofMinutes(1));
    ResponseJob again = await(store.claim("gw-b", LEASE));
    assertEquals(2, again.runs());
    assertEquals("the backend's quota resets in 2h", again.reason());
  }

  @Test
  void anotherTenantsJobReadsAsMissingAndAnIdIsUsedOnce() {
    await(store.enqueue(job("resp_7")));
    assertNull(await(store.get("other", "resp_7")));
    assertNotNull(await(store.get("acme", "resp_7")));
    failure(store.enqueue(job("resp_7")), IllegalArgumentException.class);
    assertNull(await(store.get("acme", "resp_missing")));
    assertEquals("acme", await(store.find("resp_7")).tenant(), "the admin API finds a job of any tenant");
    assertNull(await(store.find("resp_missing")));
  }

  @Test
  void jobsAreClaimedOldestFirstAndListedNewestFirst() {
    await(store.enqueue(job("resp_old")));
    clock.advance(Duration.ofSeconds(1));
    await(store.enqueue(job("resp_new")));
    assertEquals("resp_old", await(store.claim("gw-a", LEASE)).id());
    assertEquals(List.of("resp_new", "resp_old"), await(store.list(10)).stream().map(ResponseJob::id).toList());
  }
  @Test
  void aRunWritesBackTheSessionItStartedAndLaterWritesKeepIt() {
    ResponseJob unbound = ResponseJob.queued("resp_8", "acme", "{\"model\":\"m\",\"input\":\"hi\"}", "{}", null,
        clock.instant(), clock.instant().plus(Duration.ofHours(6)));
    await(store.enqueue(unbound));
    assertNull(await(store.claim("gw-a", LEASE)).sessionId());
    assertEquals("responses-abc", await(store.record("resp_8", "gw-a", LEASE,
        new JobProgress(null, List.of(), 0, List.of(), null, "responses-abc"))).sessionId());
    await(store.record("resp_8", "gw-a", LEASE, events("{}")));
    ResponseJob done = await(store.finish("resp_8", "gw-a", ResponseJob.COMPLETED, JobProgress.reason("answered")));
    assertEquals("responses-abc", done.sessionId());
    assertEquals("responses-abc", await(store.get("acme", "resp_8")).sessionId());
  }

  @Test
  void aDeletedJobIsGoneWithItsEventsAndItsRunLosesIt() {
    await(store.enqueue(job("resp_9")));
    await(store.claim("gw-a", LEASE));
    await(store.record("resp_9", "gw-a", LEASE, events("{\"n\":0}")));
    assertEquals(false, await(store.delete("other-tenant", "resp_9")), "another tenant's job is not touched");
    assertEquals(true, await(store.delete("acme", "resp_9")));
    assertNull(await(store.get("acme", "resp_9")));
    assertEquals(List.of(), await(store.events("resp_9", 0)));
    assertEquals(List.of(), await(store.list(10)));
    failure(store.record("resp_9", "gw-a", LEASE, JobProgress.NONE), LeaseLostException.class);
    clock.advance(LEASE.multipliedBy(2));
    assertNull(await(store.claim("gw-b", LEASE)));
    assertEquals(false, await(store.delete("acme", "resp_9")));
  }
}
