package dev.rebound.gateway.context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A BPE vocabulary (token bytes to rank) in three arrays: every token's bytes back to back, where each begins, and an
 * open-addressing table of entry numbers. jtokkit keeps the same vocabulary as a HashMap of wrapped byte arrays plus a
 * reverse map, about 40 MB for o200k_base alone; this is about 4 MB, and a lookup of a slice allocates nothing.
 */
final class TokenRanks {
  static final int NONE = -1;

  private final byte[] bytes;
  /** Entry i's bytes are bytes[starts[i], starts[i + 1]). */
  private final int[] starts;
  private final int[] ranks;
  /** Entry number + 1 per slot, 0 for an empty slot; at most half full. */
  private final int[] slots;
  private final int mask;
  private final int longest;

  private TokenRanks(byte[] bytes, int[] starts, int[] ranks, int entries) {
    this.bytes = bytes;
    this.starts = starts;
    this.ranks = ranks;
    this.slots = new int[Integer.highestOneBit(Math.max(entries, 1) * 2) * 2];
    this.mask = slots.length - 1;
    int longest = 0;
    for (int i = 0; i < entries; i++) {
      int from = starts[i], to = starts[i + 1];
      longest = Math.max(longest, to - from);
      int s = hash(bytes, from, to) & mask;
      while (slots[s] != 0) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.longest = longest;
  }

  /** Reads a tiktoken rank file: one {@code base64(token) rank} a line. */
  static TokenRanks read(InputStream in) throws IOException {
    byte[] file = in.readAllBytes();
    int lines = 0;
    for (byte b : file) if (b == '\n') lines++;
    byte[] bytes = new byte[file.length]; // decoded tokens are shorter than their lines
    int[] starts = new int[lines + 2];
    int[] ranks = new int[lines + 1];
    Base64.Decoder base64 = Base64.getDecoder();
    int n = 0, at = 0;
    for (int lineStart = 0; lineStart < file.length; ) {
      int lineEnd = lineStart;
      while (lineEnd < file.length && file[lineEnd] != '\n') lineEnd++;
      int space = lineStart;
      while (space < lineEnd && file[space] != ' ') space++;
      if (space > lineStart && space < lineEnd) {
        byte[] token = base64.decode(Arrays.copyOfRange(file, lineStart, space));
        System.arraycopy(token, 0, bytes, at, token.length);
        starts[n] = at;
        ranks[n] = Integer.parseInt(new String(file, space + 1, lineEnd - space - 1, StandardCharsets.US_ASCII).trim());
        at += token.length;
        n++;
      }
      lineStart = lineEnd + 1;
    }
    starts[n] = at;
    return new TokenRanks(Arrays.copyOf(bytes, at), Arrays.copyOf(starts, n + 1), Arrays.copyOf(ranks, n), n);
  }

  /** The rank of the token b[from, to), or {@link #NONE} when those bytes are not one token. */
  int rank(byte[] b, int from, int to) {
    int length = to - from;
    if (length > longest) return NONE;
    for (int s = hash(b, from, to) & mask; ; s = (s + 1) & mask) {
      int slot = slots[s];
      if (slot == 0) return NONE;
      int start = starts[slot - 1], end = starts[slot];
      if (end - start == length && Arrays.equals(bytes, start, end, b, from, to)) return ranks[slot - 1];
    }
  }

  int size() {
    return ranks.length;
  }

  /** FNV-1a with a final mix, so the low bits the table uses depend on every byte. */
  private static int hash(byte[] b, int from, int to) {
    int h = 0x811c9dc5;
    for (int i = from; i < to; i++) h = (h ^ (b[i] & 0xff)) * 0x01000193;
    return h ^ (h >>> 15);
  }
}
