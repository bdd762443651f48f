package dev.rebound.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A background response (OpenAI Responses {@code background: true}) as the job store keeps it: the request to run, who
 * runs it and until when (a lease), when it must be done by, what it has produced so far, and how it ended.
 *
 * @param id         the response id the client was given ({@code resp_...})
 * @param tenant     whose job it is; a job of another tenant reads as missing
 * @param status     {@link #QUEUED}, {@link #IN_PROGRESS}, or one of the terminal statuses (OpenAI's words)
 * @param request    the client's request body, JSON
 * @param headers    the request headers the run needs (JSON object, name -> value); never the client's key
 * @param sessionId  the session the client bound the request to; null when none
 * @param deadline   the job fails as incomplete when it is not done by then; its runs wait for backends until then
 * @param owner      the gateway that holds the lease; null when none does
 * @param leaseUntil the lease's end: after it, any gateway may claim the job; null when not leased
 * @param notBefore  a queued job is not claimed before this (a replay waiting for a backend's reset)
 * @param runs       how many times the job was claimed (a run is one pass through the gateway's pipeline)
 * @param attempts   upstream attempts over all runs
 * @param response   the latest response object, JSON; null until a run produced one
 * @param events     how many stream events are recorded (the next one gets this sequence number)
 * @param reason     why the job is in its status (the last decision about it), in words; nullable
 */
public record ResponseJob(String id, String tenant, String status, String request, String headers, String sessionId,
    Instant createdAt, Instant deadline, String owner, Instant leaseUntil, Instant notBefore, int runs, int attempts,
    String response, int events, String reason) {

  public static final String QUEUED = "queued";
  public static final String IN_PROGRESS = "in_progress";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";
  public static final String INCOMPLETE = "incomplete";
  /** The statuses a job ends in: it is never run again. */
  public static final Set<String> TERMINAL = Set.of(COMPLETED, FAILED, CANCELLED, INCOMPLETE);

  public ResponseJob {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(deadline, "deadline");
    if (headers == null) headers = "{}";
    if (!TERMINAL.contains(status) && !QUEUED.equals(status) && !IN_PROGRESS.equals(status)) {
      throw new IllegalArgumentException("unknown job status '" + status + "'");
    }
  }

  /** A new job, queued now. */
  public static ResponseJob queued(String id, String tenant, String request, String headers, String sessionId,
      Instant createdAt, Instant deadline) {
    return new ResponseJob(id, tenant, QUEUED, request, headers, sessionId, createdAt, deadline, null, null, createdAt,
        0, 0, null, 0, "accepted; waiting for a gateway to run it");
  }

  public boolean terminal() {
    return TERMINAL.contains(status);
  }
}
