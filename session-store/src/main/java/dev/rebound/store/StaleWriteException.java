package dev.rebound.store;

import java.time.Instant;

/**
 * A write carried an expectedVersion that is no longer current: someone else wrote first. Re-read
 * ({@link CheckpointStore#meta}) and retry with the new version.
 */
public class StaleWriteException extends RuntimeException {

  private final long expectedVersion;
  private final long actualVersion;

  public StaleWriteException(SessionKey key, long expectedVersion, long actualVersion) {
    super("stale write to session " + key + ": expected version " + expectedVersion + ", actual " + actualVersion);
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  /** The version matched, but the session is another one of the same id (deleted and created again). */
  public StaleWriteException(SessionKey key, long version, Instant expectedCreated, Instant actualCreated) {
    super("stale write to session " + key + ": expected the session created at " + expectedCreated
        + ", found one created at " + actualCreated + " (deleted and created again)");
    this.expectedVersion = version;
    this.actualVersion = version;
  }

  public long expectedVersion() {
    return expectedVersion;
  }

  public long actualVersion() {
    return actualVersion;
  }
}
