package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import java.util.regex.Pattern;

/**
 * Which field carries the output limit of a Chat Completions request the gateway wrote. OpenAI's reasoning models
 * (o1, o3, o4-mini, gpt-5 and later) refuse {@code max_tokens} ("Use 'max_completion_tokens' instead"), while many
 * OpenAI-compatible servers (Ollama, older vLLM and llama.cpp) read only {@code max_tokens}: so the translation writes
 * {@code max_tokens}, and moves it for those models.
 */
public final class ChatOutputLimit {
  /** o1, o3-mini, o4-mini-high, gpt-5, gpt-5.1-codex..., also behind a provider prefix such as "openai/". */
  private static final Pattern REASONING_MODEL = Pattern.compile("(?:.*/)?(?:o\\d+|gpt-[5-9])(?:[-.].*)?");

  private ChatOutputLimit() {}

  /**
   * Moves {@code max_tokens} to {@code max_completion_tokens} when the request goes to a Chat Completions backend and
   * {@code model} is one of OpenAI's reasoning models.
   */
  public static void forModel(ObjectNode request, Protocol backend, String model) {
    if (backend == Protocol.OPENAI) forModel(request, model);
  }

  static void forModel(ObjectNode chatRequest, String model) {
    if (model == null || !REASONING_MODEL.matcher(model).matches()) return;
    JsonNode limit = chatRequest.remove("max_tokens");
    if (limit != null && !chatRequest.has("max_completion_tokens")) chatRequest.set("max_completion_tokens", limit);
  }
}
