package dev.rebound.gateway.context;

/**
 * The tokens of a request's prompt as one model counts them: every message on its own (what truncation works with),
 * and the parts that are always sent (Anthropic's top-level system prompt, tool definitions, reply priming).
 *
 * @param fixed     tokens sent whatever is cut: top-level system prompt, tools, priming
 * @param messages  tokens of each message, in order, including its per-message overhead
 * @param maxTokens the output the client asked for (max_tokens / max_completion_tokens), or null when unset
 */
public record PromptCount(Tokenizer tokenizer, int fixed, int[] messages, Integer maxTokens) {
  public int total() {
    long t = fixed;
    for (int m : messages) t += m;
    return (int) Math.min(Integer.MAX_VALUE, t);
  }
}
