package dev.rebound.mockllm;

import io.vertx.core.json.JsonObject;

/**
 * What the mock needs from a chat request, read by a dialect so the rest does not care which
 * provider it imitates.
 *
 * @param model         the requested model (any name is served)
 * @param stream        whether to answer with SSE
 * @param includeUsage  OpenAI {@code stream_options.include_usage}
 * @param maxTokens     the requested output cap, or null if none was given
 * @param toolToCall    the tool to call, or null to answer with text
 * @param lastUserText  text of the last user turn, echoed in the reply
 * @param promptTokens  tokens of everything sent to the model
 * @param partialAnswer the partial answer this request asks the model to continue (Anthropic prefill,
 *                      or the gateway's "continue" instruction on OpenAI), or null for a fresh answer;
 *                      the other fields then describe the conversation before that partial answer
 */
record ChatRequest(
    String model,
    boolean stream,
    boolean includeUsage,
    Integer maxTokens,
    Tool toolToCall,
    String lastUserText,
    int promptTokens,
    String partialAnswer) {

  /** A tool the client offered, with the JSON schema of its input. */
  record Tool(String name, JsonObject inputSchema) {
  }
}
