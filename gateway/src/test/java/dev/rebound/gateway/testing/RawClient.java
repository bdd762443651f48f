package dev.rebound.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A plain TCP client for the gateway's port that writes exact bytes (HTTP clients refuse to send broken framing) and
 * reads what comes back. Reads are bounded: a connection the gateway should have closed fails the test instead of
 * hanging it.
 */
public final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;

  public RawClient(int port) {
    try {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public RawClient send(String text) {
    try {
      socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes without failing when the gateway has already closed the connection; false once writing failed. */
  public boolean trySend(String text) {
    try {
      send(text);
      return true;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** Everything the gateway sends until it closes the connection; fails when it is still open after {@code within}. */
  public String readUntilClosed(Duration within) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long deadline = System.nanoTime() + within.toNanos();
    byte[] buf = new byte[8192];
    try {
      while (true) {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        socket.setSoTimeout((int) left);
        int n = in.read(buf);
        if (n < 0) return out.toString(StandardCharsets.ISO_8859_1);
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection was still open after " + within.toMillis() + " ms; received so far: "
          + out.toString(StandardCharsets.ISO_8859_1));
    } catch (SocketException e) {
      // a reset after the close: what arrived before it is the answer
      return out.toString(StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One response with a Content-Length body, leaving the connection open; fails when it does not come in time. */
  public String readResponse(Duration within) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long deadline = System.nanoTime() + within.toNanos();
    try {
      while (true) {
        String text = out.toString(StandardCharsets.ISO_8859_1);
        int head = text.indexOf("\r\n\r\n");
        if (head >= 0) {
          int length = contentLength(text.substring(0, head));
          if (text.length() >= head + 4 + length) return text;
        }
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        socket.setSoTimeout((int) left);
        int b = in.read();
        if (b < 0) throw new AssertionError("the connection closed before a whole response; received: " + text);
        out.write(b);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no whole response within " + within.toMillis() + " ms; received: "
          + out.toString(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        return Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    return 0;
  }

  /** The body of a response read whole (after the blank line). */
  public static String body(String response) {
    int head = response.indexOf("\r\n\r\n");
    return head < 0 ? "" : response.substring(head + 4);
  }

  /** How many responses a stream of bytes holds: status lines at the start or after a line end. */
  public static int responses(String received) {
    int n = received.startsWith("HTTP/1.") ? 1 : 0;
    for (int i = received.indexOf("\nHTTP/1."); i >= 0; i = received.indexOf("\nHTTP/1.", i + 1)) n++;
    return n;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }
}
