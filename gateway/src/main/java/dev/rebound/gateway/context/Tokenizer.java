package dev.rebound.gateway.context;

import com.knuddels.jtokkit.api.Encoding;

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
    return text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
  }
}
