package dev.rebound.gateway.http;

import dev.rebound.gateway.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;

/**
 * Picks the socket layer for {@code server.transport} and builds the Vert.x instance on it: Linux's native epoll
 * where it loads (edge-triggered, no selector bookkeeping per wake-up), else the JDK's NIO.
 */
public final class NetworkTransport {
  private NetworkTransport() {}

  /** The transport in force for {@code choice}; throws, naming the key and the reason, when it cannot be had. */
  public static Transport resolve(ServerConfig.Transport choice) {
    return switch (choice) {
      case AUTO -> Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
      case EPOLL -> {
        if (Transport.EPOLL.available()) yield Transport.EPOLL;
        Throwable why = Transport.EPOLL.unavailabilityCause();
        throw new IllegalStateException("server.transport: 'epoll' is not available on this machine ("
            + (why == null ? "not Linux" : why.getMessage()) + "); use auto or nio");
      }
      case NIO -> Transport.NIO;
    };
  }

  /** A Vert.x instance whose event loops run on the transport {@code choice} resolves to. */
  public static Vertx vertx(ServerConfig.Transport choice) {
    return Vertx.builder().withTransport(resolve(choice)).build();
  }

  /** The name a user reads in the startup line: epoll or nio. */
  public static String describe(Transport t) {
    return t.name().toLowerCase(java.util.Locale.ROOT);
  }
}
