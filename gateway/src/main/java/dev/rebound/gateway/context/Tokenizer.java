package dev.rebound.gateway.context;

import java.nio.charset.StandardCharsets;

/**
 * How a model family's tokens are counted: with an OpenAI encoding, times a factor for families whose own tokenizer
 * is not public (1.0 when the encoding is the model's own, as for OpenAI models).
 *
 * @param family   the family's name, for events and the README (gpt-4o, claude, llama, ...)
 * @param id       a small number naming the encoding, so per-message caches never mix two encodings' counts
 */
public record Tokenizer(String family, BytePairEncoding encoding, double factor, int id) {
  public boolean exact() {
    return factor == 1.0;
  }

  /** The model's tokens for a count in the encoding's tokens; estimates round up, since an overflow costs more. */
  public int scale(long encodingTokens) {
    if (factor == 1.0) return (int) Math.min(Integer.MAX_VALUE, encodingTokens);
    return (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(encodingTokens * factor));
  }

  /**
   * The longest text counted at once. Merging a run without spaces takes tens of bytes of memory per byte of the run
   * (with jtokkit's encoder a 2 MB one took more than a 256 MB heap), so longer texts are counted piece by piece.
   */
  static final int PIECE = 4096;

  public int count(String text) {
    if (text.isEmpty()) return 0;
    String t = wellFormed(text);
    if (t.length() <= PIECE) return encoding.count(t);
    int total = 0;
    for (int start = 0, end; start < t.length(); start = end) {
      end = pieceEnd(t, start);
      total += encoding.count(t.substring(start, end));
    }
    return total;
  }

  /**
   * Where the piece from {@code start} ends: where the last run of whitespace in its second half begins, which is where
   * one of the tokenizer's own pieces begins, so the sum is the whole text's count; in a text without one, at the
   * limit (a token or so more).
   */
  static int pieceEnd(String t, int start) {
    int end = start + PIECE;
    if (end >= t.length()) return t.length();
    for (int cut = end; cut > start + PIECE / 2; cut--) {
      if (Character.isWhitespace(t.charAt(cut)) && !Character.isWhitespace(t.charAt(cut - 1))) return cut;
    }
    return Character.isLowSurrogate(t.charAt(end)) ? end - 1 : end;
  }

  /**
   * The text with each lone surrogate (JSON lets a client escape one, such as U+D800) replaced as a UTF-8 encoder
   * replaces it when the body is sent on, so the pieces counted are those of the bytes the upstream reads. Usually the
   * same string.
   */
  static String wellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isSurrogate(text.charAt(i))) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
      }
    }
    return text;
  }
}
