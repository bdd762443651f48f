package dev.rebound.store;

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

  public long expectedVersion() {
    return expectedVersion;
  }

  public long actualVersion() {
    return actualVersion;
  }
}
