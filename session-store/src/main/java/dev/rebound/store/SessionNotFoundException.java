package dev.rebound.store;

/** fork / restore named a session or a checkpoint that does not exist (or expired, or is another tenant's). */
public class SessionNotFoundException extends RuntimeException {

  public SessionNotFoundException(SessionKey key) {
    super("session " + key + " not found");
  }

  public SessionNotFoundException(SessionKey key, int checkpointSeq) {
    super("checkpoint #" + checkpointSeq + " of session " + key + " not found");
  }
}
