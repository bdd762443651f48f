package dev.rebound.gateway.context;

import com.knuddels.jtokkit.api.Encoding;
import java.nio.charset.StandardCharsets;

/**
 * How a model family's tokens are counted: with a jtokkit encoding, times a factor for families whose own tokenizer
 * is not public or not in jtokkit (1.0 when the encoding is the model's own, as for OpenAI models).
 *
 * @param family   the family's name, for events and the README (gpt-4o, claude, llama, ...)
 * @param id       a small number naming the encoding, so per-message caches never mix two encodings' counts
 */
public record Tokenizer(String family, Encoding encoding, double factor, int id) {
  public boolean exact() {
    return factor == 1.0;
  }

  /** The model's tokens for a count in the encoding's tokens; estimates round up, since an overflow costs more. */
  public int scale(long encodingTokens) {
    if (factor == 1.0) return (int) Math.min(Integer.MAX_VALUE, encodingTokens);
    return (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(encodingTokens * factor));
  }

  public int count(String text) {
    return text.isEmpty() ? 0 : encoding.countTokensOrdinary(wellFormed(text));
  }

  /**
   * The text with each lone surrogate (JSON lets a client escape one, such as U+D800) replaced as a UTF-8 encoder
   * replaces it when the body is sent on: jtokkit reads its input as UTF-8 and fails on one. Usually the same string.
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
