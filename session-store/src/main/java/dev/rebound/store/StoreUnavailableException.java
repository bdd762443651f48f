package dev.rebound.store;

/**
 * The backend could not be reached (connection refused or lost, timeout, Redis loading / failing over), as opposed
 * to a write that was rejected. {@link BufferedCheckpointStore} queues writes that fail with this.
 */
public class StoreUnavailableException extends RuntimeException {

  public StoreUnavailableException(String message) {
    super(message);
  }

  public StoreUnavailableException(String message, Throwable cause) {
    super(message + (cause == null ? ""
        : ": " + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName())), cause);
  }
}
