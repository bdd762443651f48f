package dev.rebound.gateway.wire.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatOutputLimitTest {
  private static ObjectNode request() {
    return JsonNodeFactory.instance.objectNode().put("max_tokens", 100);
  }

  @ParameterizedTest
  @ValueSource(strings = {"o1", "o3-mini", "o4-mini-high", "gpt-5", "gpt-5.1-codex", "openai/gpt-5-mini", "o1-2024-12-17"})
  void openAisReasoningModelsGetMaxCompletionTokens(String model) {
    ObjectNode r = request();
    ChatOutputLimit.forModel(r, model);
    assertEquals("{\"max_completion_tokens\":100}", r.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt-4o", "gpt-4.1-mini", "qwen3-coder", "llama3.1:8b", "olmo-2", "gpt-oss-20b", "ollama"})
  void everyOtherModelKeepsMaxTokens(String model) {
    ObjectNode r = request();
    ChatOutputLimit.forModel(r, model);
    assertEquals("{\"max_tokens\":100}", r.toString());
  }

  @Test
  void aRequestWithoutALimitIsLeftAlone() {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    ChatOutputLimit.forModel(r, "o3");
    assertEquals("{}", r.toString());
  }
}
