package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A 64-bit hash of a JSON value's content (keys, values, structure), walked straight off the parsed tree so nothing is
 * serialized. Strings are hashed as their UTF-16 code units, eight at a time in two lanes, read through a small scratch
 * array so that hashing allocates nothing. The hashes key in-process caches only (token counts, summaries).
 */
final class ContentHash {
  private static final long M1 = 0x9E3779B97F4A7C15L;
  private static final long M2 = 0xC2B2AE3D27D4EB4FL;
  /** A multiple of 8, so only a string's last slice has a tail shorter than one step. */
  private static final int SCRATCH_CHARS = 4096;
  private static final ThreadLocal<char[]> SCRATCH = ThreadLocal.withInitial(() -> new char[SCRATCH_CHARS]);

  private ContentHash() {}

  static long of(JsonNode n) {
    return mix(walk(n, 0x243F6A8885A308D3L));
  }

  private static long walk(JsonNode n, long h) {
    switch (n.getNodeType()) {
      case OBJECT -> {
        h = (h ^ '{') * M1;
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          h = string(e.getKey(), h);
          h = walk(e.getValue(), h);
        }
        return (h ^ '}') * M1;
      }
      case ARRAY -> {
        h = (h ^ '[') * M1;
        for (JsonNode e : n) h = walk(e, h);
        return (h ^ ']') * M1;
      }
      case STRING -> {
        return string(n.textValue(), (h ^ '"') * M1);
      }
      default -> {
        return string(n.asText(), (h ^ n.getNodeType().ordinal()) * M1);
      }
    }
  }

  private static long string(String s, long h) {
    // read through a scratch array of the thread's, a slice at a time: a copy to bytes (getBytes) allocated the whole
    // conversation's text again on every request
    int n = s.length();
    char[] c = SCRATCH.get();
    long a = h ^ n, b = h + M2;
    for (int from = 0; from < n; from += c.length) {
      int len = Math.min(c.length, n - from);
      s.getChars(from, from + len, c, 0);
      int i = 0;
      for (; i + 7 < len; i += 8) {
        a = (a ^ (c[i] | (long) c[i + 1] << 16 | (long) c[i + 2] << 32 | (long) c[i + 3] << 48)) * M1;
        b = (b ^ (c[i + 4] | (long) c[i + 5] << 16 | (long) c[i + 6] << 32 | (long) c[i + 7] << 48)) * M2;
      }
      for (; i < len; i++) a = (a ^ c[i]) * M1;
    }
    return mix(a ^ Long.rotateLeft(b, 31));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return z ^ (z >>> 33);
  }
}
