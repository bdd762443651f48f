package dev.rebound.gateway.failure;

/**
 * Token numbers stated by an overflow message. Any part may be null.
 *
 * @param limit     the context window (or per-minute budget) the request ran into
 * @param prompt    input tokens
 * @param output    requested output tokens (max_tokens)
 * @param requested the total the provider says was requested, when it says so
 */
record TokenCounts(Integer limit, Integer prompt, Integer output, Integer requested) {
  static final TokenCounts NONE = new TokenCounts(null, null, null, null);

  /** Fills what this one lacks from the other; the first extractor to state a number wins. */
  TokenCounts orElse(TokenCounts other) {
    return new TokenCounts(limit != null ? limit : other.limit, prompt != null ? prompt : other.prompt,
        output != null ? output : other.output, requested != null ? requested : other.requested);
  }

  /** What the request needed in total: stated, else prompt + output, else the prompt alone. */
  Integer total() {
    if (requested != null) return requested;
    if (prompt != null && output != null) return (int) Math.min(Integer.MAX_VALUE, (long) prompt + output);
    return prompt;
  }

  /** The prompt fits but prompt + max_tokens does not: lowering max_tokens is the fix. */
  boolean outputIsTheOverflow() {
    return limit != null && prompt != null && output != null && prompt < limit;
  }

  boolean promptAloneOverflows() {
    return limit != null && prompt != null && prompt >= limit;
  }
}
