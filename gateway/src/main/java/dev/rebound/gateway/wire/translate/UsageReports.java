package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A usage report in the other format's words. OpenAI counts cached prompt tokens inside prompt_tokens; Anthropic counts
 * input_tokens beside cache reads and writes, so the sums move between the two.
 */
final class UsageReports {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private UsageReports() {}

  /** OpenAI's {@code usage} as Anthropic's; zeros when there is none. */
  static ObjectNode toAnthropic(JsonNode openAi) {
    long prompt = openAi == null ? 0 : openAi.path("prompt_tokens").asLong(0);
    long cached = openAi == null ? 0 : openAi.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long output = openAi == null ? 0 : openAi.path("completion_tokens").asLong(0);
    ObjectNode u = NODES.objectNode();
    u.put("input_tokens", Math.max(0, prompt - cached));
    u.put("cache_creation_input_tokens", 0);
    u.put("cache_read_input_tokens", cached);
    u.put("output_tokens", output);
    return u;
  }

  /** Anthropic's {@code usage} as OpenAI's; zeros when there is none. */
  static ObjectNode toOpenAi(JsonNode anthropic) {
    long input = anthropic == null ? 0 : anthropic.path("input_tokens").asLong(0);
    long read = anthropic == null ? 0 : anthropic.path("cache_read_input_tokens").asLong(0);
    long written = anthropic == null ? 0 : anthropic.path("cache_creation_input_tokens").asLong(0);
    long output = anthropic == null ? 0 : anthropic.path("output_tokens").asLong(0);
    ObjectNode u = NODES.objectNode();
    u.put("prompt_tokens", input + read + written);
    u.put("completion_tokens", output);
    u.put("total_tokens", input + read + written + output);
    u.putObject("prompt_tokens_details").put("cached_tokens", read);
    return u;
  }
}
