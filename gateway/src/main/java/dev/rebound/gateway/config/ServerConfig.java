package dev.rebound.gateway.config;

/**
 * Where the gateway listens, how large a request body it accepts, and which network transport carries its sockets.
 */
public record ServerConfig(String host, int port, long maxBodyBytes, Transport transport) {
  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, maxBodyBytes, transport);
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
