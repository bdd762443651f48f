package dev.rebound.gateway.config;

import java.time.Duration;

/**
 * Where the gateway listens, how large a request body it accepts, which network transport carries its sockets, and
 * how long and how many client connections it keeps.
 *
 * @param headerTimeout a request head (request line and headers) must arrive whole within this, counted from the
 *     connection's start or, on a reused connection, from the head's first byte
 * @param idleTimeout a connection with no request in flight and no bytes either way is closed after this; so is one
 *     whose request body stopped arriving for this long. A request being answered (a stream relaying or waiting with
 *     keep-alives, an answer not yet ready) is never idle
 * @param maxConnections client connections open at once; the ones beyond are closed as soon as they are accepted
 * @param shutdownGrace on SIGTERM the gateway stops accepting connections and gives the requests in flight (a stream
 *     being relayed, a retry being waited out) this long to end before it closes what is left; zero closes at once
 */
public record ServerConfig(String host, int port, long maxBodyBytes, Transport transport, Duration headerTimeout,
    Duration idleTimeout, int maxConnections, Duration shutdownGrace) {
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  /** Inside Docker's default stop timeout (10 s), with time left to flush the store. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, maxBodyBytes, transport, headerTimeout, idleTimeout, maxConnections,
        shutdownGrace);
  }

  /**
   * The socket layer. AUTO takes Linux's native epoll where it loads, else the JDK's NIO; an explicit epoll that is not
   * available stops the start with the reason.
   */
  public enum Transport {
    AUTO, EPOLL, NIO;

    static final String[] TEXTS = {"auto", "epoll", "nio"};

    static Transport parse(String text) {
      return valueOf(text.toUpperCase(java.util.Locale.ROOT));
    }
  }
}
