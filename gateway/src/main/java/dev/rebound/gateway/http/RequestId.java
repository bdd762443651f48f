package dev.rebound.gateway.http;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The id that ties a request's events, its log lines, its upstream calls and its answer together ({@code x-request-id}).
 * A client's own id is kept when it is sane, so its logs and ours meet; anything else gets a new one.
 */
public final class RequestId {
  public static final String HEADER = "x-request-id";
  /** Longer ids are replaced: ids end up in every log line and event. */
  static final int MAX_LENGTH = 128;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestId() {}

  /** {@code incoming} when it is 1 to 128 printable ASCII characters without spaces; else a new id. */
  public static String acceptOrNew(String incoming) {
    return sane(incoming) ? incoming : next();
  }

  static boolean sane(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) return false;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) return false;
    }
    return true;
  }

  /** 32 lowercase hex digits (128 random bits): unique across gateways without coordination, and no lock to draw. */
  static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[32];
    long hi = r.nextLong();
    long lo = r.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out);
  }
}
