package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * The tokens an answer reported, the same way for every wire format: {@code input} is the prompt tokens not read from
 * or written to a cache (OpenAI's prompt_tokens less its cached_tokens; Anthropic's input_tokens), so input + cacheRead
 * + cacheWrite is the whole prompt everywhere. Each format reads its own usage object ({@code WireFormat.usage}).
 */
public record TokenUsage(long input, long output, long cacheRead, long cacheWrite) {
  public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0);
  /** How far from the end of a whole answer its usage is looked for. */
  static final int TAIL = 2048;
  private static final byte[] USAGE_KEY = "\"usage\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  public boolean isEmpty() {
    return input == 0 && output == 0 && cacheRead == 0 && cacheWrite == 0;
  }

  /**
   * The {@code usage} object of a whole (non-stream) answer, read without parsing the answer: every format puts it near
   * the end, so the body is searched from its end for the key and only that object is parsed. Null when there is none.
   */
  public static JsonNode reportOfAnswer(Buffer body) {
    // the answer's own bytes where they lie (the heap buffer it was collected into), else a copy of its tail
    ByteBuf buf = ((BufferInternal) body).getByteBuf();
    byte[] b;
    int start;
    int to;
    if (buf.hasArray()) {
      b = buf.array();
      start = buf.arrayOffset() + buf.readerIndex();
      to = start + buf.readableBytes();
    } else {
      b = body.getBytes(Math.max(0, body.length() - TAIL - 1), body.length());
      start = 0;
      to = b.length;
    }
    int at = lastKey(b, start, Math.max(start, to - TAIL), to);
    if (at < 0) return null;
    int i = at + USAGE_KEY.length;
    while (i < to && b[i] != ':') {
      if (!Character.isWhitespace(b[i])) return null;
      i++;
    }
    // the cursor reads the one value after the colon and stops
    try {
      return new JsonCursor(b, Math.min(i + 1, to), to).tree();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Index of the last {@code "usage"} that is a key (inside a string its quotes are escaped) in {@code b[from, to)}, the
   * answer's last {@link #TAIL} bytes: it follows the choices or content, so a long answer is not searched through.
   * The answer starts at {@code start}.
   */
  private static int lastKey(byte[] b, int start, int from, int to) {
    outer:
    for (int i = to - USAGE_KEY.length; i >= from; i--) {
      for (int j = 0; j < USAGE_KEY.length; j++) {
        if (b[i + j] != USAGE_KEY[j]) continue outer;
      }
      if (i > start && b[i - 1] == '\\') continue;
      return i;
    }
    return -1;
  }

  /** A count of a usage object; {@code otherwise} when the field is absent (a report in parts keeps what it had). */
  public static long count(JsonNode usage, String field, long otherwise) {
    JsonNode n = usage.get(field);
    return n != null && n.canConvertToLong() ? n.asLong() : otherwise;
  }
}
