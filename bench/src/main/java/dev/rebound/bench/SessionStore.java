package dev.rebound.bench;

/**
 * The session store behind the gateway of a {@code sessions-*} scenario. Such a scenario gets its own gateway
 * process (see {@link SessionGateway}); every other scenario runs through the shared one.
 */
public enum SessionStore {
  /** The embedded store (one MVStore file), in a fresh temporary directory deleted afterwards. */
  EMBEDDED("embedded"),
  /** Redis: {@code REDIS_URL} when set, else a {@code redis-server} the bench starts on a free port. */
  REDIS("redis");

  private final String id;

  SessionStore(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
