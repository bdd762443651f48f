package dev.rebound.gateway.stream;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Incremental SSE parser: feed arbitrary chunks (events split anywhere, \n or \r\n line ends, multi-line data,
 * comments); returns the events completed by this chunk, in order.
 *
 * <p>It works on bytes and decodes only complete lines, so a multi-byte UTF-8 character split across two chunks is
 * never mangled. Blank lines that do not end an event (stray separators) are kept and become the start of the next
 * event's raw text, so concatenating every raw is byte-identical to the input. A lone '\r' is not a line end (no LLM
 * API sends one; supporting it would mean holding back every chunk that ends in '\r').
 */
public final class SseParser {
  private static final int DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;
  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};

  private static final byte[] EMPTY = new byte[0];

  private final int maxEventBytes;
  /**
   * Bytes of the incomplete event, from its first byte; [0, scanned) are complete lines already read into fields. Once
   * events are completed in it, the array is theirs (they are ranges of it) and the incomplete rest moves to a new one.
   */
  private byte[] buf = EMPTY;
  private int len;
  private int scanned;
  // fields of the incomplete event
  private boolean hasLines;
  private String event;
  /** Where its one data line's value is in {@link #buf} (-1: none yet). */
  private int dataFrom = -1;
  private int dataTo;
  /** Its data lines joined, once there is more than one (rare: no LLM API sends multi-line data). */
  private String joinedData;

  public SseParser() {
    this(DEFAULT_MAX_EVENT_BYTES);
  }

  /** @param maxEventBytes an upstream that sends a larger event without ending it is broken: feed then throws */
  public SseParser(int maxEventBytes) {
    this.maxEventBytes = maxEventBytes;
  }

  /** The events completed by this chunk, in order; an empty list when the chunk ends none. */
  public List<SseEvent> feed(Buffer chunk) {
    append(chunk);
    List<SseEvent> out = null;
    int eventStart = 0;
    int lineStart = scanned;
    for (int i = indexOfLf(buf, scanned, len); i >= 0; i = indexOfLf(buf, i + 1, len)) {
      int lineEnd = i > lineStart && buf[i - 1] == '\r' ? i - 1 : i;
      if (lineEnd > lineStart) {
        readLine(lineStart, lineEnd);
      } else if (hasLines) {
        if (out == null) out = new ArrayList<>(4);
        out.add(joinedData != null ? new SseEvent(event, buf, eventStart, i + 1, -1, -1, joinedData)
            : new SseEvent(event, buf, eventStart, i + 1, dataFrom, dataTo, null));
        eventStart = i + 1;
        hasLines = false;
        event = null;
        dataFrom = -1;
        joinedData = null;
      }
      lineStart = i + 1;
    }
    // the completed events keep this array; the incomplete event moves to the front of a new one
    if (eventStart > 0) {
      int rest = len - eventStart;
      byte[] next = rest == 0 ? EMPTY : new byte[Math.max(rest * 2, 256)];
      System.arraycopy(buf, eventStart, next, 0, rest);
      buf = next;
      if (dataFrom >= 0) {
        dataFrom -= eventStart;
        dataTo -= eventStart;
      }
    }
    len -= eventStart;
    scanned = lineStart - eventStart;
    if (len > maxEventBytes) throw new IllegalStateException("SSE event larger than " + maxEventBytes + " bytes");
    return out == null ? Collections.emptyList() : out;
  }

  /**
   * Eight bytes at a time (the stream package's byte scans): a word of {@code bytes} read little-endian, so its lowest
   * byte is the first; in {@code (x - ONES) & ~x & HIGHS} a byte's high bit is set where {@code x} has a zero byte, and
   * the lowest one set is exact (a borrow only runs upward, so a false one stands above a true one).
   */
  static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  static final long ONES = 0x0101010101010101L;
  static final long HIGHS = 0x8080808080808080L;

  /**
   * The first '\n' in {@code b[from, to)}, -1 when none: the relay scans every byte of every stream for line ends, and
   * a byte loop was its largest cost of its own.
   */
  static int indexOfLf(byte[] b, int from, int to) {
    return indexOf(b, from, to, (byte) '\n');
  }

  /**
   * The first {@code value} in {@code b[from, to)}, -1 when none: eight bytes at a time (a word's lowest zero byte
   * after XOR with the value repeated is exact).
   */
  static int indexOf(byte[] b, int from, int to, byte value) {
    long pattern = (value & 0xFFL) * ONES;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long x = (long) LONGS.get(b, i) ^ pattern;
      long found = (x - ONES) & ~x & HIGHS;
      if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
    }
    for (; i < to; i++) if (b[i] == value) return i;
    return -1;
  }

  /** The bytes of an incomplete event held back, as text (a character cut at the very end shows as U+FFFD). */
  public String pending() {
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }

  private void append(Buffer chunk) {
    int n = chunk.length();
    if (len + n > buf.length) {
      byte[] bigger = new byte[Math.max(buf.length * 2, len + n)];
      System.arraycopy(buf, 0, bigger, 0, len);
      buf = bigger;
    }
    chunk.getBytes(0, n, buf, len);
    len += n;
  }

  /** One non-blank line, without its line end. Field names are compared as bytes: only values get decoded. */
  private void readLine(int start, int end) {
    hasLines = true;
    if (buf[start] == ':') return; // comment
    int colon = start;
    while (colon < end && buf[colon] != ':') colon++;
    int valueStart = colon < end ? colon + 1 : end;
    if (valueStart < end && buf[valueStart] == ' ') valueStart++;
    if (nameIs(DATA, start, colon)) {
      if (joinedData != null) {
        joinedData = joinedData + "\n" + new String(buf, valueStart, end - valueStart, StandardCharsets.UTF_8);
      } else if (dataFrom >= 0) {
        joinedData = new String(buf, dataFrom, dataTo - dataFrom, StandardCharsets.UTF_8) + "\n"
            + new String(buf, valueStart, end - valueStart, StandardCharsets.UTF_8);
      } else {
        dataFrom = valueStart;
        dataTo = end;
      }
    } else if (nameIs(EVENT, start, colon)) {
      event = new String(buf, valueStart, end - valueStart, StandardCharsets.UTF_8);
    }
    // id:, retry: and unknown fields are not needed by the gateway; they stay in raw
  }

  private boolean nameIs(byte[] name, int start, int end) {
    if (end - start != name.length) return false;
    for (int i = 0; i < name.length; i++) if (buf[start + i] != name[i]) return false;
    return true;
  }
}
