package dev.rebound.gateway.stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;

/**
 * The tokens an answer reported, the same way for every wire format: {@code input} is the prompt tokens not read from
 * or written to a cache (OpenAI's prompt_tokens less its cached_tokens; Anthropic's input_tokens), so input + cacheRead
 * + cacheWrite is the whole prompt everywhere. Each format reads its own usage object ({@code WireFormat.usage}).
 */
public record TokenUsage(long input, long output, long cacheRead, long cacheWrite) {
  public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0);
  private static final ObjectMapper JSON = new ObjectMapper();
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
    int at = lastKey(body);
    if (at < 0) return null;
    byte[] tail = body.getBytes(at + USAGE_KEY.length, body.length());
    int i = 0;
    while (i < tail.length && tail[i] != ':') {
      if (!Character.isWhitespace(tail[i])) return null;
      i++;
    }
    // the parser reads the one value after the colon and stops
    try (JsonParser value = JSON.getFactory().createParser(tail, i + 1, Math.max(0, tail.length - i - 1))) {
      return JSON.readTree(value);
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Index of the last {@code "usage"} that is a key (inside a string its quotes are escaped), within the answer's last
   * {@link #TAIL} bytes: it follows the choices or content, so a long answer is not searched through.
   */
  private static int lastKey(Buffer body) {
    int stop = Math.max(0, body.length() - TAIL);
    outer:
    for (int i = body.length() - USAGE_KEY.length; i >= stop; i--) {
      for (int j = 0; j < USAGE_KEY.length; j++) {
        if (body.getByte(i + j) != USAGE_KEY[j]) continue outer;
      }
      if (i > 0 && body.getByte(i - 1) == '\\') continue;
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
