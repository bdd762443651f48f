package dev.rebound.bench;

import java.nio.charset.StandardCharsets;

/**
 * Incremental Server-Sent Events parser: bytes in (in any split), one callback per complete event with its
 * {@code event} type (null when absent) and its {@code data} (lines joined with '\n'; null when absent). Comment
 * lines (keep-alives) are counted, not dispatched.
 */
public final class SseScanner {
  /** Receives each complete event. */
  @FunctionalInterface
  public interface Listener {
    void event(String event, String data);
  }

  private final Listener listener;
  private byte[] line = new byte[512];
  private int len;
  private String event;
  private StringBuilder data;
  private long comments;
  private long events;

  public SseScanner(Listener listener) {
    this.listener = listener;
  }

  public void feed(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        int n = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
        line(n);
        len = 0;
      } else {
        if (len == line.length) {
          byte[] bigger = new byte[line.length * 2];
          System.arraycopy(line, 0, bigger, 0, len);
          line = bigger;
        }
        line[len++] = b;
      }
    }
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** Keep-alive comment lines seen. */
  public long comments() {
    return comments;
  }

  /** Events dispatched. */
  public long events() {
    return events;
  }

  private void line(int n) {
    if (n == 0) {
      if (event != null || data != null) {
        events++;
        String e = event;
        String d = data == null ? null : data.toString();
        event = null;
        data = null;
        listener.event(e, d);
      }
      return;
    }
    if (line[0] == ':') {
      comments++;
      return;
    }
    int colon = -1;
    for (int i = 0; i < n; i++) {
      if (line[i] == ':') {
        colon = i;
        break;
      }
    }
    String field = new String(line, 0, colon < 0 ? n : colon, StandardCharsets.US_ASCII);
    String value = "";
    if (colon >= 0) {
      int start = colon + 1;
      if (start < n && line[start] == ' ') start++;
      value = new String(line, start, n - start, StandardCharsets.UTF_8);
    }
    switch (field) {
      case "event" -> event = value;
      case "data" -> {
        if (data == null) data = new StringBuilder(value.length());
        else data.append('\n');
        data.append(value);
      }
      default -> { } // id, retry: not needed here
    }
  }
}
