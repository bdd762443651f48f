package dev.rebound.gateway.http;

import java.net.BindException;
import java.nio.file.Path;

/** The gateway cannot start, said in words a person can act on (what is wrong, which setting or flag changes it). */
public final class StartupException extends RuntimeException {
  private StartupException(String message, Throwable cause) {
    super(message, cause, false, false);
  }

  /** The embedded store's file is locked by another process. */
  public static StartupException storeInUse(Path directory, Throwable cause) {
    return new StartupException("another Rebound process holds the session store at " + directory
        + ". Stop that process, or give this one a store of its own: set store.path in the config, or pass"
        + " --store-path DIR.", cause);
  }

  /** Translates a failed listen on host:port; null when it is not one of the causes people can fix by config. */
  static StartupException cannotListen(String host, int port, Throwable cause) {
    String text = String.valueOf(cause.getMessage());
    if (cause instanceof BindException && text.contains("in use") || text.contains("Address already in use")) {
      return new StartupException("cannot listen on " + host + ":" + port + ": the address is already in use (another"
          + " Rebound, or another server, listens there). Use --port to choose another port (or server.port in the"
          + " config).", cause);
    }
    if (text.contains("Cannot assign requested address")) {
      return new StartupException("cannot listen on " + host + ":" + port + ": " + host + " is not an address of this"
          + " machine. Set server.host to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for all).",
          cause);
    }
    return null;
  }
}
