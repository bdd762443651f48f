package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One SSE event. An event read from an upstream keeps its exact bytes ({@link #bytes()}: what is relayed, including the
 * terminating blank line) and decodes text only when someone asks ({@link #data()}, {@link #raw()}): the relay of a
 * stream nobody reads beyond a few fields never turns bytes into strings and back. An event the gateway writes
 * ({@link #of}) is made as bytes at once, for the same reason.
 */
public final class SseEvent {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] DATA_LINE = "data: ".getBytes(StandardCharsets.US_ASCII);

  private final String event;
  /**
   * The exact bytes are {@code bytes[from, to)}: an event as read shares the array of its whole upstream read with the
   * other events of that read (never written to again), so relaying them copies nothing. Null for an event built from
   * text until {@link #bytes()} encodes it.
   */
  private byte[] bytes;
  private int from;
  private int to;
  /** Where the data is inside {@link #bytes} when it is one line; -1 when it is not there as is (none, or joined). */
  private final int dataFrom;
  private final int dataTo;
  private String data;
  private boolean dataRead;
  private String raw;

  /**
   * @param event the value of the {@code event:} line, null when there is none
   * @param data  the {@code data:} lines joined with '\n', null when there is none (comment-only events)
   * @param raw   the exact text of the event, blank lines that preceded it and its terminating blank line included
   */
  public SseEvent(String event, String data, String raw) {
    this.event = event;
    this.data = data;
    this.dataRead = true;
    this.raw = raw;
    this.dataFrom = -1;
    this.dataTo = -1;
  }

  /**
   * An event as read: {@code bytes[from, to)}, and its data either as a range of them (one line) or joined (several
   * lines). The array must not change afterwards.
   */
  SseEvent(String event, byte[] bytes, int from, int to, int dataFrom, int dataTo, String joinedData) {
    this.event = event;
    this.bytes = bytes;
    this.from = from;
    this.to = to;
    this.dataFrom = dataFrom;
    this.dataTo = dataTo;
    this.data = joinedData;
    this.dataRead = dataFrom < 0;
  }

  /**
   * An event written by the gateway: {@code event: NAME\ndata: DATA\n\n}, or just the data line when name is null.
   * DATA must be one line, which compact JSON always is.
   */
  public static SseEvent of(String event, String data) {
    SseEvent e = of(event, data.getBytes(StandardCharsets.UTF_8));
    e.data = data;
    e.dataRead = true;
    return e;
  }

  /**
   * An event written by the gateway from its data's UTF-8 bytes (one line). It is made as bytes at once, so that the
   * transcript's cursor, the error check and the relay read them without encoding the text again.
   */
  public static SseEvent of(String event, byte[] data) {
    byte[] head = event == null ? DATA_LINE : ("event: " + event + "\ndata: ").getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[head.length + data.length + 2];
    System.arraycopy(head, 0, bytes, 0, head.length);
    System.arraycopy(data, 0, bytes, head.length, data.length);
    bytes[bytes.length - 2] = '\n';
    bytes[bytes.length - 1] = '\n';
    return new SseEvent(event, bytes, 0, bytes.length, head.length, head.length + data.length, null);
  }

  /** The value of the {@code event:} line, null when there is none. */
  public String event() {
    return event;
  }

  /** The {@code data:} lines joined with '\n', null when there is none (comment-only events). */
  public String data() {
    if (!dataRead) {
      data = new String(bytes, dataFrom, dataTo - dataFrom, StandardCharsets.UTF_8);
      dataRead = true;
    }
    return data;
  }

  /** The exact text of the event, blank lines that preceded it and its terminating blank line included. */
  public String raw() {
    if (raw == null) raw = new String(bytes, from, to - from, StandardCharsets.UTF_8);
    return raw;
  }

  /** The exact bytes of the event, as relayed (a copy: the caller may keep or change it). */
  public Buffer bytes() {
    encode();
    return Buffer.buffer(to - from).appendBytes(bytes, from, to - from);
  }

  /** About how many bytes the event holds: its bytes as read, else its text's length (what a holder of it keeps). */
  public int size() {
    if (bytes != null) return to - from;
    return raw != null ? raw.length() : data == null ? 0 : data.length();
  }

  /** Whether {@code next}'s bytes come right after this event's in the same array (two events of one read). */
  public boolean isFollowedBy(SseEvent next) {
    return bytes != null && next.bytes == bytes && next.from == to;
  }

  /**
   * The bytes from {@code first}'s to {@code last}'s, which follow each other in one array ({@link #isFollowedBy}), as a
   * buffer over that array: nothing is copied, and nothing changes the array afterwards.
   */
  public static Buffer between(SseEvent first, SseEvent last) {
    first.encode();
    if (first.bytes != last.bytes || last.to < first.from) throw new IllegalArgumentException("not one run of events");
    return BufferInternal.buffer(Unpooled.wrappedBuffer(first.bytes, first.from, last.to - first.from));
  }

  private void encode() {
    if (bytes != null) return;
    bytes = raw.getBytes(StandardCharsets.UTF_8);
    from = 0;
    to = bytes.length;
  }

  /** True when the event holds only comment lines (":..."), e.g. keep-alives such as {@code : OPENROUTER PROCESSING}. */
  public boolean isComment() {
    if (event != null || hasData()) return false;
    // no event/data field, but an id: or retry: line would still make it a real (if useless) event
    String text = raw();
    for (int start = 0; start < text.length(); ) {
      int end = text.indexOf('\n', start);
      if (end < 0) end = text.length();
      if (end > start && text.charAt(start) != ':' && text.charAt(start) != '\r') return false;
      start = end + 1;
    }
    return true;
  }

  /** Whether the event has a {@code data:} line. */
  public boolean hasData() {
    return dataFrom >= 0 || data != null;
  }

  /** True for OpenAI's end-of-stream marker {@code data: [DONE]}. */
  public boolean isDone() {
    if (!dataRead) return dataTo - dataFrom == 6 && bytes[dataFrom] == '[' && "[DONE]".equals(data());
    return "[DONE]".equals(data);
  }

  /**
   * Whether the data contains {@code needle} (ASCII), read from the bytes without decoding them: every event is checked
   * for an error on the relay's hot path. Eight starts are tried at a time: a start is a candidate only where the
   * needle's first, second and last bytes all stand (with a needle that begins with a quote, one quote alone would make
   * every string of the JSON a candidate), and only candidates are compared.
   */
  public boolean dataContains(String needle) {
    if (dataFrom < 0) return data != null && data.contains(needle);
    return indexInData(needle, dataFrom) >= 0;
  }

  /**
   * Whether the data holds {@code "name"} followed by a colon and an object (whitespace allowed between), read from the
   * bytes: a member of that name whose value is an object, at any depth. False for {@code "name":null} and for a string
   * value that reads {@code name}; a string escaping the name's letters is not found (as {@link JsonCursor#fieldIs}
   * does not match it).
   */
  public boolean dataHasObjectMember(String name) {
    String quoted = '"' + name + '"';
    for (int at = indexOfQuoted(quoted, 0); at >= 0; at = indexOfQuoted(quoted, at + 1)) {
      int value = valueAfter(at + quoted.length());
      if (value >= 0 && dataByte(value) == '{') return true;
    }
    return false;
  }

  /**
   * Whether {@code "name"} stands in the data anywhere but as a member whose value is null ({@code "name":null}, as
   * Responses events carry {@code "error":null}): as a member with any other value, or as a string.
   */
  public boolean dataHasUnlessNull(String name) {
    String quoted = '"' + name + '"';
    for (int at = indexOfQuoted(quoted, 0); at >= 0; at = indexOfQuoted(quoted, at + 1)) {
      int value = valueAfter(at + quoted.length());
      if (value < 0 || !(dataByte(value) == 'n' && dataByte(value + 1) == 'u' && dataByte(value + 2) == 'l'
          && dataByte(value + 3) == 'l')) {
        return true;
      }
    }
    return false;
  }

  /** Where {@code quoted} (ASCII) starts in the data at or after data offset {@code from}; -1 when nowhere. */
  private int indexOfQuoted(String quoted, int from) {
    if (dataFrom < 0) return data == null ? -1 : data.indexOf(quoted, from);
    int at = indexInData(quoted, dataFrom + from);
    return at < 0 ? -1 : at - dataFrom;
  }

  /** The data's byte (char, for text data) at data offset {@code i}; 0 past its end. */
  private int dataByte(int i) {
    if (dataFrom < 0) return i < data.length() ? data.charAt(i) : 0;
    return dataFrom + i < dataTo ? bytes[dataFrom + i] : 0;
  }

  /** After a name ending at data offset {@code i}: where its value starts when a colon follows; -1 when none does. */
  private int valueAfter(int i) {
    i = skipSpaces(i);
    if (dataByte(i) != ':') return -1;
    return skipSpaces(i + 1);
  }

  private int skipSpaces(int i) {
    for (int b = dataByte(i); b == ' ' || b == '\t' || b == '\n' || b == '\r'; b = dataByte(++i)) {
      // JSON's whitespace
    }
    return i;
  }

  /** Where {@code needle} (ASCII) first starts in the data's bytes at or after {@code from}; -1 when nowhere. */
  private int indexInData(String needle, int from) {
    int n = needle.length();
    int lastStart = dataTo - n;
    int i = from;
    if (n < 3) {
      for (; i <= lastStart; i++) if (matchesAt(i, needle)) return i;
      return -1;
    }
    long first = needle.charAt(0) * SseParser.ONES;
    long second = needle.charAt(1) * SseParser.ONES;
    long last = needle.charAt(n - 1) * SseParser.ONES;
    for (; i + 7 <= lastStart; i += 8) {
      long a = (long) SseParser.LONGS.get(bytes, i) ^ first;
      long b = (long) SseParser.LONGS.get(bytes, i + 1) ^ second;
      long c = (long) SseParser.LONGS.get(bytes, i + n - 1) ^ last;
      long x = a | b | c;
      // every start where all three match has its high bit set (with some false ones above a true one)
      for (long found = (x - SseParser.ONES) & ~x & SseParser.HIGHS; found != 0; found &= found - 1) {
        int at = i + (Long.numberOfTrailingZeros(found) >>> 3);
        if (matchesAt(at, needle)) return at;
      }
    }
    for (; i <= lastStart; i++) if (matchesAt(i, needle)) return i;
    return -1;
  }

  private boolean matchesAt(int at, String needle) {
    for (int j = 0; j < needle.length(); j++) if (bytes[at + j] != needle.charAt(j)) return false;
    return true;
  }

  /** The data parsed as JSON; null when there is none or it is malformed (a broken upstream chunk teaches nothing). */
  public JsonNode json() {
    if (!hasData()) return null;
    try {
      return dataFrom < 0 ? JSON.readTree(data) : JSON.readTree(bytes, dataFrom, dataTo - dataFrom);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * A cursor over the data, for a reader of a few fields on the relay's hot path (see {@link JsonCursor}); null when
   * there is no data. It reads the event's own bytes, not a copy.
   */
  public JsonCursor jsonCursor() {
    if (!hasData()) return null;
    return dataFrom < 0 ? JsonCursor.of(data) : new JsonCursor(bytes, dataFrom, dataTo);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SseEvent other && Objects.equals(event, other.event) && Objects.equals(data(), other.data())
        && raw().equals(other.raw());
  }

  @Override
  public int hashCode() {
    return Objects.hash(event, data(), raw());
  }

  @Override
  public String toString() {
    return "SseEvent[event=" + event + ", data=" + data() + "]";
  }
}
