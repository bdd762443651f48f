package dev.rebound.store;

import java.util.List;

/**
 * What a run adds to its job in one store write.
 *
 * @param response  the latest response object (JSON), or null to keep the stored one
 * @param events    stream events (JSON each, numbered by the caller from {@link ResponseJob#events()} on), appended
 * @param attempts  upstream attempts made since the last write
 * @param notes     decisions about the job (JSON each: at, type, reason), appended; the store keeps the latest 200
 * @param reason    the job's reason from now on, or null to keep it
 * @param sessionId the session the run's turns are stored in (one the run started, when the request named none), or
 *                  null to keep the stored one
 */
public record JobProgress(String response, List<String> events, int attempts, List<String> notes, String reason,
    String sessionId) {
  public static final JobProgress NONE = new JobProgress(null, List.of(), 0, List.of(), null, null);
  public static final int MAX_NOTES = 200;

  public JobProgress {
    events = List.copyOf(events);
    notes = List.copyOf(notes);
    if (attempts < 0) throw new IllegalArgumentException("attempts must be >= 0, but was " + attempts);
  }

  /** Progress that leaves the job's session as it is. */
  public JobProgress(String response, List<String> events, int attempts, List<String> notes, String reason) {
    this(response, events, attempts, notes, reason, null);
  }

  public static JobProgress reason(String reason) {
    return new JobProgress(null, List.of(), 0, List.of(), reason, null);
  }
}
