package dev.rebound.store;

/** A fork targeted a session id that already exists. */
public class SessionExistsException extends IllegalStateException {

  public SessionExistsException(SessionKey key) {
    super("session " + key + " already exists");
  }
}
