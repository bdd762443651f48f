package dev.rebound.gateway.stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.routing.Protocol;
import io.vertx.core.buffer.Buffer;

/**
 * The tokens an answer reported, the same way for every protocol: {@code input} is the prompt tokens not read from or
 * written to a cache (OpenAI's prompt_tokens less its cached_tokens; Anthropic's input_tokens), so input + cacheRead +
 * cacheWrite is the whole prompt everywhere.
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
   * What a {@code usage} object says, read over what was known before: a stream reports in parts (Anthropic's
   * message_start has the prompt, each message_delta the output so far), so fields it does not carry keep their value.
   */
  public TokenUsage with(Protocol protocol, JsonNode usage) {
    if (usage == null || !usage.isObject()) return this;
    if (protocol == Protocol.ANTHROPIC) {
      return new TokenUsage(number(usage, "input_tokens", input), number(usage, "output_tokens", output),
          number(usage, "cache_read_input_tokens", cacheRead), number(usage, "cache_creation_input_tokens", cacheWrite));
    }
    long cached = number(usage.path("prompt_tokens_details"), "cached_tokens", 0);
    long prompt = number(usage, "prompt_tokens", -1);
    return new TokenUsage(prompt < 0 ? input : Math.max(0, prompt - cached), number(usage, "completion_tokens", output),
        prompt < 0 ? cacheRead : cached, cacheWrite);
  }

  /**
   * The usage of a whole (non-stream) answer, read without parsing the answer: both protocols put {@code usage} near
   * the end, so the body is searched from its end for the key and only that object is parsed. NONE when there is none.
   */
  public static TokenUsage fromAnswer(Protocol protocol, Buffer body) {
    int at = lastKey(body);
    if (at < 0) return NONE;
    byte[] tail = body.getBytes(at + USAGE_KEY.length, body.length());
    int i = 0;
    while (i < tail.length && tail[i] != ':') {
      if (!Character.isWhitespace(tail[i])) return NONE;
      i++;
    }
    // the parser reads the one value after the colon and stops
    try (JsonParser value = JSON.getFactory().createParser(tail, i + 1, Math.max(0, tail.length - i - 1))) {
      return NONE.with(protocol, JSON.readTree(value));
    } catch (java.io.IOException | RuntimeException e) {
      return NONE;
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

  private static long number(JsonNode node, String field, long otherwise) {
    JsonNode n = node.get(field);
    return n != null && n.canConvertToLong() ? n.asLong() : otherwise;
  }
}
