package dev.rebound.store;

/**
 * A run wrote to a job it no longer holds: the job was cancelled, finished, or claimed by another gateway after this
 * one's lease ran out. The run must stop; {@link #status()} says what the job is now (null when it is gone).
 */
public final class LeaseLostException extends RuntimeException {
  private final String status;

  public LeaseLostException(String id, String owner, String status) {
    super("job " + id + " is no longer held by " + owner + " (its status is " + status + ")", null, false, false);
    this.status = status;
  }

  public String status() {
    return status;
  }
}
