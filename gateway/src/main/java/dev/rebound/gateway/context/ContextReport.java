package dev.rebound.gateway.context;

/**
 * What the context step changed in a request, for the {@code x-rebound-context} reply header and the event.
 *
 * @param action          truncated, summarized or max-tokens-lowered
 * @param tokensBefore    prompt tokens of the conversation as the client sent it (this gateway's count for the model)
 * @param tokensAfter     prompt tokens actually sent
 * @param dropped         messages not sent (the summarized ones included)
 * @param summarized      messages replaced by the summary
 * @param maxTokensBefore the client's max_tokens, when it was lowered (else null)
 * @param maxTokensAfter  the max_tokens sent, when it was lowered (else null)
 * @param trigger         pre-flight (the count said it would not fit) or the upstream's overflow error
 */
public record ContextReport(String action, int tokensBefore, int tokensAfter, int dropped, int summarized,
                            Integer maxTokensBefore, Integer maxTokensAfter, String trigger) {

  /** {@code truncated; tokens=182034->120112; dropped=41; summarized=0} (+ {@code ; max_tokens=8192->3000}). */
  public String header() {
    StringBuilder h = new StringBuilder(action).append("; tokens=").append(tokensBefore).append("->").append(tokensAfter)
        .append("; dropped=").append(dropped).append("; summarized=").append(summarized);
    if (maxTokensAfter != null) h.append("; max_tokens=").append(maxTokensBefore).append("->").append(maxTokensAfter);
    return h.toString();
  }

  public boolean messagesChanged() {
    return dropped > 0;
  }
}
