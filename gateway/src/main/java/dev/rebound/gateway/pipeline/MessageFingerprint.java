package dev.rebound.gateway.pipeline;

/**
 * A 128-bit MurmurHash3 (x64 variant) of text, read as its UTF-16 code units in little-endian order: the digest behind
 * {@link MessageIdentity#of}. Every turn of a session compares each message of the history the client resent, so this
 * is on the event loop for every message of every turn; SHA-256, with the text's copy to UTF-8 before it, took about
 * half as long again (about 0.8 against 0.55 us for a message of 850 characters, JIT warm).
 *
 * <p>Not a cryptographic hash: crafted texts can collide. Its digests never leave the process (what is stored or
 * shared uses {@link MessageIdentity#lasting}), and a collision could only make one of a session's own messages pass
 * for another of the same session at the same place in its history: nothing a client could not do by sending that
 * other message.
 */
final class MessageFingerprint {
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;
  /** Text is read through a scratch array of the thread's, this many characters (a multiple of 8) at a time. */
  private static final int SCRATCH_CHARS = 16 * 1024;
  private static final ThreadLocal<char[]> SCRATCH = ThreadLocal.withInitial(() -> new char[SCRATCH_CHARS]);

  private MessageFingerprint() {}

  /** The 16 bytes of the hash (h1 then h2, each little-endian). */
  static byte[] of(CharSequence text) {
    return hash(text, 0);
  }

  /**
   * MurmurHash3_x64_128 of {@code text}'s code units as UTF-16LE, with {@code seed}. Read a slice at a time: a tool's
   * output of 50,000 characters is not copied whole; each slice holds whole blocks of 8 characters, so only the last
   * has a tail.
   */
  static byte[] hash(CharSequence text, long seed) {
    int n = text.length();
    char[] c = SCRATCH.get();
    long h1 = seed;
    long h2 = seed;
    int from = 0;
    while (true) {
      int len = Math.min(c.length, n - from);
      copy(text, from, from + len, c);
      int i = 0;
      for (; i + 8 <= len; i += 8) {
        long k1 = c[i] | (long) c[i + 1] << 16 | (long) c[i + 2] << 32 | (long) c[i + 3] << 48;
        long k2 = c[i + 4] | (long) c[i + 5] << 16 | (long) c[i + 6] << 32 | (long) c[i + 7] << 48;
        h1 ^= mixK1(k1);
        h1 = Long.rotateLeft(h1, 27) + h2;
        h1 = h1 * 5 + 0x52dce729;
        h2 ^= mixK2(k2);
        h2 = Long.rotateLeft(h2, 31) + h1;
        h2 = h2 * 5 + 0x38495ab5;
      }
      from += len;
      if (from < n) continue;
      // the tail: up to 7 characters, the first four in k1
      long k1 = 0;
      long k2 = 0;
      for (int j = len - 1; j >= i; j--) {
        if (j - i >= 4) k2 = k2 << 16 | c[j];
        else k1 = k1 << 16 | c[j];
      }
      if (len - i > 4) h2 ^= mixK2(k2);
      if (len > i) h1 ^= mixK1(k1);
      break;
    }
    long length = 2L * n;
    h1 ^= length;
    h2 ^= length;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 += h2;
    h2 += h1;
    byte[] out = new byte[16];
    for (int b = 0; b < 8; b++) {
      out[b] = (byte) (h1 >>> (8 * b));
      out[8 + b] = (byte) (h2 >>> (8 * b));
    }
    return out;
  }

  private static void copy(CharSequence text, int from, int to, char[] into) {
    if (text instanceof String s) s.getChars(from, to, into, 0);
    else if (text instanceof StringBuilder b) b.getChars(from, to, into, 0);
    else for (int i = from; i < to; i++) into[i - from] = text.charAt(i);
  }

  private static long mixK1(long k1) {
    return Long.rotateLeft(k1 * C1, 31) * C2;
  }

  private static long mixK2(long k2) {
    return Long.rotateLeft(k2 * C2, 33) * C1;
  }

  private static long fmix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
