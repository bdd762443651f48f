package dev.rebound.gateway.context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the tokens of a text the way OpenAI's tiktoken encodes it (special tokens read as ordinary text): the text is
 * cut into pieces by the encoding's pattern, and each piece's UTF-8 bytes are merged pair by pair, the pair of lowest
 * rank first (the leftmost of equals), until no pair is a token. The vocabularies are the tiktoken files jtokkit ships;
 * jtokkit's own encoder is not used because its tables take about 88 MB of heap for o200k and cl100k together, a third
 * of a gateway's memory, where {@link TokenRanks} takes about 6 MB. Counts are compared with jtokkit's in the tests.
 */
public final class BytePairEncoding {
  /** The pattern of r50k_base and p50k_base (GPT-2 and GPT-3). */
  private static final String X50K = "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
  private static final String CL100K = "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*"
      + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
  private static final String O200K = String.join("|",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
      "\\p{N}{1,3}",
      " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
      "\\s*[\\r\\n]+",
      "\\s+(?!\\S)",
      "\\s+");

  private final Pattern pieces;
  private final TokenRanks ranks;

  private BytePairEncoding(String pattern, TokenRanks ranks) {
    this.pieces = Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
    this.ranks = ranks;
  }

  /** Loads one of o200k_base, cl100k_base, p50k_base, r50k_base (a noticeable moment: not on the event loop). */
  public static BytePairEncoding load(String name) {
    String pattern = switch (name) {
      case "o200k_base" -> O200K;
      case "cl100k_base" -> CL100K;
      case "p50k_base", "r50k_base" -> X50K;
      default -> throw new IllegalArgumentException("unknown encoding '" + name + "': o200k_base, cl100k_base, p50k_base or r50k_base");
    };
    String file = "/com/knuddels/jtokkit/" + name + ".tiktoken";
    try (InputStream in = BytePairEncoding.class.getResourceAsStream(file)) {
      if (in == null) throw new IllegalStateException(file + " is not on the class path (it comes with jtokkit)");
      return new BytePairEncoding(pattern, TokenRanks.read(in));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
  }

  TokenRanks ranks() {
    return ranks;
  }

  /** The number of tokens of the text, special tokens counted as the ordinary text they are. */
  public int count(String text) {
    Merge merge = new Merge();
    int total = 0;
    for (Matcher m = pieces.matcher(text); m.find(); ) {
      total += merge.count(utf8(text, m.start(), m.end(), merge));
    }
    return total;
  }

  /** Encodes text[from, to) into the merge's byte buffer; a lone surrogate becomes '?', as Java's UTF-8 encoder does. */
  private static int utf8(String text, int from, int to, Merge merge) {
    byte[] b = merge.bytes(3 * (to - from));
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        b[n++] = (byte) c;
      } else if (c < 0x800) {
        b[n++] = (byte) (0xc0 | c >> 6);
        b[n++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, text.charAt(++i));
        b[n++] = (byte) (0xf0 | cp >> 18);
        b[n++] = (byte) (0x80 | cp >> 12 & 0x3f);
        b[n++] = (byte) (0x80 | cp >> 6 & 0x3f);
        b[n++] = (byte) (0x80 | cp & 0x3f);
      } else if (Character.isSurrogate(c)) {
        b[n++] = '?';
      } else {
        b[n++] = (byte) (0xe0 | c >> 12);
        b[n++] = (byte) (0x80 | c >> 6 & 0x3f);
        b[n++] = (byte) (0x80 | c & 0x3f);
      }
    }
    return n;
  }

  /**
   * One count's working arrays, grown to the longest piece. The pieces are a linked list over byte positions (each
   * part named by its first byte); a min-heap holds (rank, position) of the pairs, stale entries skipped when popped,
   * so a piece of n bytes costs O(n log n) however long it is.
   */
  private final class Merge {
    private byte[] bytes = new byte[64];
    private int[] next = new int[0];
    private int[] previous = new int[0];
    /** The rank of the pair a part makes with the part after it, NONE when that is no token or there is none. */
    private int[] pairRank = new int[0];
    private long[] heap = new long[0];
    private int heapSize;

    byte[] bytes(int capacity) {
      if (bytes.length < capacity) bytes = new byte[Math.max(capacity, bytes.length * 2)];
      return bytes;
    }

    int count(int n) {
      if (n < 2 || ranks.rank(bytes, 0, n) != TokenRanks.NONE) return 1;
      if (next.length < n) {
        next = new int[n];
        previous = new int[n];
        pairRank = new int[n];
        heap = new long[3 * n];
      }
      heapSize = 0;
      for (int i = 0; i < n; i++) {
        next[i] = i + 1;
        previous[i] = i - 1;
        pairRank[i] = i + 1 < n ? ranks.rank(bytes, i, i + 2) : TokenRanks.NONE;
        if (pairRank[i] != TokenRanks.NONE) push(pairRank[i], i);
      }
      int parts = n;
      while (heapSize > 0) {
        long top = pop();
        int i = (int) top;
        // a pair that has since grown or whose part was merged away has another rank now
        if (pairRank[i] != (int) (top >>> 32)) continue;
        int merged = next[i];
        int after = next[merged];
        next[i] = after;
        if (after < n) previous[after] = i;
        pairRank[merged] = TokenRanks.NONE;
        parts--;
        pairRank[i] = after < n ? ranks.rank(bytes, i, next[after]) : TokenRanks.NONE;
        if (pairRank[i] != TokenRanks.NONE) push(pairRank[i], i);
        int before = previous[i];
        if (before >= 0) {
          pairRank[before] = ranks.rank(bytes, before, after);
          if (pairRank[before] != TokenRanks.NONE) push(pairRank[before], before);
        }
      }
      return parts;
    }

    private void push(int rank, int position) {
      long v = (long) rank << 32 | position;
      int i = heapSize++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (heap[parent] <= v) break;
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = v;
    }

    private long pop() {
      long top = heap[0];
      long last = heap[--heapSize];
      int i = 0;
      for (int child; (child = 2 * i + 1) < heapSize; i = child) {
        if (child + 1 < heapSize && heap[child + 1] < heap[child]) child++;
        if (last <= heap[child]) break;
        heap[i] = heap[child];
      }
      heap[i] = last;
      return top;
    }
  }
}
