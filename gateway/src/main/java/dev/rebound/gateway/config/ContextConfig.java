package dev.rebound.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What to do when a conversation no longer fits a model's context window, and how tokens are counted.
 *
 * @param onOverflow           the policy when neither the route nor the agent sets one
 * @param keepRecentTurns      the newest turns kept whole before any older turn is given up
 * @param keepFirstUserMessage keep the conversation's first user message (often the task statement) when cutting
 * @param reserveOutputTokens  tokens left for the answer when the client does not set max_tokens
 * @param imageTokens          what one image (or document) block is counted as
 * @param pin                  rules that pin messages, besides the {@code [x-rebound-pin]} marker in their text
 * @param summarizer           the agent that writes summaries for {@code summarize}; null when none is configured
 * @param tokenizers           per-model tokenizer rules, checked before the built-in families
 * @param discoveryRefresh     how often local servers are asked for their loaded window (zero: only at startup)
 * @param agents               per-agent policy ({@code agents[i].context.onOverflow}); a route's own policy wins
 */
public record ContextConfig(
    OnOverflow onOverflow,
    int keepRecentTurns,
    boolean keepFirstUserMessage,
    int reserveOutputTokens,
    int imageTokens,
    List<PinRule> pin,
    Summarizer summarizer,
    List<TokenizerRule> tokenizers,
    Duration discoveryRefresh,
    Map<String, OnOverflow> agents) {

  public ContextConfig {
    pin = List.copyOf(pin);
    tokenizers = List.copyOf(tokenizers);
    agents = Map.copyOf(agents);
  }

  public static ContextConfig defaults() {
    return new ContextConfig(OnOverflow.TRUNCATE, 4, false, 4096, 1000, List.of(), null, List.of(),
        Duration.ofMinutes(5), Map.of());
  }

  /** A message is pinned when its role matches (any role when null) and its text matches the regex. */
  public record PinRule(String role, Pattern regex) {}

  /**
   * @param agent     the agent that writes the summary (called through Rebound, with its own recovery)
   * @param maxTokens the longest summary asked for
   * @param prompt    the instruction given to the summarizer
   */
  public record Summarizer(String agent, int maxTokens, String prompt) {}

  /**
   * @param models   a glob over the model name (qwen*, *llama-3*)
   * @param encoding an OpenAI encoding: o200k_base, cl100k_base, p50k_base, r50k_base
   * @param factor   the model's tokens per token of that encoding (1.0 when the encoding is the model's own)
   */
  public record TokenizerRule(String models, String encoding, double factor) {}
}
