package dev.rebound.store;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The durable queue of background responses: jobs are enqueued, claimed by one gateway at a time under a lease that
 * the gateway renews while it runs the job, and finished with their final response. A job whose lease ran out (its
 * gateway stopped or died) is claimed again by any gateway on the same store. Every method is asynchronous and
 * reports errors through the returned future.
 *
 * <p>The store keeps each job's stream events (numbered from 0, the Responses {@code sequence_number}) so a client can
 * read the stream again from any point, and a short log of the decisions taken about it.
 *
 * <p>Typed failures: {@link LeaseLostException} (a write by a gateway that no longer holds the job),
 * {@link StoreUnavailableException}, {@link IllegalArgumentException} (bad input, an id already used).
 */
public interface ResponseJobStore {

  /** Stores a new job (its status {@link ResponseJob#QUEUED}); it is claimable from its {@code notBefore}. */
  Future<ResponseJob> enqueue(ResponseJob job);

  /** The job, or a null result when it does not exist or is another tenant's. */
  Future<ResponseJob> get(String tenant, String id);

  /** The job of any tenant (the admin API's view), or a null result. */
  Future<ResponseJob> find(String id);

  /**
   * Takes one due job (queued and past its notBefore, or in progress with its lease run out) for {@code owner}: it is
   * in progress, leased until now + {@code lease}, its runs counted (a job {@code owner} held already is not a new run). A null result when no job is due.
   */
  Future<ResponseJob> claim(String owner, Duration lease);

  /** Adds a run's progress and renews its lease to now + {@code lease}; fails with LeaseLostException if not held. */
  Future<ResponseJob> record(String id, String owner, Duration lease, JobProgress progress);

  /** Ends the job in a terminal {@code status} with the run's last progress; fails with LeaseLostException if not held. */
  Future<ResponseJob> finish(String id, String owner, String status, JobProgress progress);

  /**
   * Gives the job back to the queue, to be claimed again from {@code notBefore} (a replay after a backend's reset, or
   * a gateway stopping); fails with LeaseLostException if not held.
   */
  Future<ResponseJob> release(String id, String owner, Instant notBefore, JobProgress progress);

  /**
   * Cancels the job unless it already ended (then it is returned as it is); a null result when it does not exist or is
   * another tenant's. The gateway running it learns it on its next write (LeaseLostException).
   */
  Future<ResponseJob> cancel(String tenant, String id, String reason);

  /**
   * Removes the job, its events and its notes, whatever its status (a run still holding it learns it on its next write:
   * LeaseLostException); false when it does not exist or is another tenant's.
   */
  Future<Boolean> delete(String tenant, String id);

  /** The stream events with sequence number >= {@code from}, in order. */
  Future<List<String>> events(String id, int from);

  /** The decisions logged about the job, oldest first. */
  Future<List<String>> notes(String id);

  /** The most recently created jobs of every tenant, newest first. */
  Future<List<ResponseJob>> list(int limit);

  Future<Void> close();
}
