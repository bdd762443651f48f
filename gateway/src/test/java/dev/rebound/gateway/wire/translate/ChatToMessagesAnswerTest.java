package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.wire.translate.TranslationFixtures.json;
import static dev.rebound.gateway.wire.translate.TranslationFixtures.sent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ChatToMessagesAnswerTest {
  /** What vLLM answers with its reasoning parser on and a tool call (the shape DeepSeek and Qwen3 servers send). */
  static final String VLLM_REASONING_TOOL_CALL = """
      {"id":"chatcmpl-8f2a1b3c4d5e","object":"chat.completion","created":1733000000,"model":"Qwen/Qwen3-32B",
       "choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"The user wants the weather; call the tool.",
         "content":"Let me check.","tool_calls":[{"id":"chatcmpl-tool-3e1f","type":"function",
         "function":{"name":"get_weather","arguments":"{\\"city\\": \\"Paris\\"}"}}]},
         "logprobs":null,"finish_reason":"tool_calls","stop_reason":null}],
       "usage":{"prompt_tokens":212,"total_tokens":260,"completion_tokens":48,"prompt_tokens_details":null},
       "prompt_logprobs":null}""";

  private static String answer(String message, String finishReason) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
        + "\"message\":" + message + ",\"finish_reason\":" + (finishReason == null ? "null" : "\"" + finishReason + "\"")
        + "}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
  }

  @Test
  void aVllmAnswerWithReasoningAndAToolCallBecomesThinkingTextAndToolUse() {
    assertEquals(json("""
        {"id":"msg_8f2a1b3c4d5e","type":"message","role":"assistant","model":"Qwen/Qwen3-32B",
         "content":[{"type":"thinking","thinking":"The user wants the weather; call the tool.","signature":""},
                    {"type":"text","text":"Let me check."},
                    {"type":"tool_use","id":"chatcmpl-tool-3e1f","name":"get_weather","input":{"city":"Paris"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":212,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":48}}"""),
        sent(ChatToMessagesAnswer.translate(json(VLLM_REASONING_TOOL_CALL))));
  }

  @Test
  void theReasoningFieldOfOtherServersAlsoBecomesThinking() {
    ObjectNode out = ChatToMessagesAnswer.translate(json(answer(
        "{\"role\":\"assistant\",\"reasoning\":\"think\",\"content\":\"done\"}", "stop")));
    assertEquals(json("[{\"type\":\"thinking\",\"thinking\":\"think\",\"signature\":\"\"},{\"type\":\"text\",\"text\":\"done\"}]"),
        out.get("content"));
  }

  @Test
  void finishReasonsBecomeStopReasons() {
    String text = "{\"role\":\"assistant\",\"content\":\"x\"}";
    assertEquals("end_turn", ChatToMessagesAnswer.translate(json(answer(text, "stop"))).get("stop_reason").asText());
    assertEquals("max_tokens", ChatToMessagesAnswer.translate(json(answer(text, "length"))).get("stop_reason").asText());
    assertEquals("refusal", ChatToMessagesAnswer.translate(json(answer(text, "content_filter"))).get("stop_reason").asText());
    assertEquals("end_turn", ChatToMessagesAnswer.translate(json(answer(text, null))).get("stop_reason").asText());
  }

  @Test
  void toolCallsUnderAStopFinishReasonStillStopForToolUse() {
    // Ollama answers tool calls with finish_reason "stop"
    ObjectNode out = ChatToMessagesAnswer.translate(json(answer("""
        {"role":"assistant","content":"","tool_calls":[{"id":"call_x","type":"function","function":{"name":"ls","arguments":"{}"}}]}""",
        "stop")));
    assertEquals("tool_use", out.get("stop_reason").asText());
    assertEquals(json("[{\"type\":\"tool_use\",\"id\":\"call_x\",\"name\":\"ls\",\"input\":{}}]"), out.get("content"));
  }

  @Test
  void cachedPromptTokensAreReportedAsCacheReads() {
    ObjectNode out = ChatToMessagesAnswer.translate(json("""
        {"id":"chatcmpl-2","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,"prompt_tokens_details":{"cached_tokens":1920}}}"""));
    assertEquals(json("{\"input_tokens\":86,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1920,\"output_tokens\":300}"),
        sent(out.get("usage")));
  }

  @Test
  void brokenArgumentsReachTheClientRaw() {
    ObjectNode out = ChatToMessagesAnswer.translate(json(answer("""
        {"role":"assistant","content":null,"tool_calls":[{"id":"call_y","type":"function","function":{"name":"w","arguments":"{\\"a\\":"}}]}""",
        "length")));
    assertEquals(json("{\"_raw\":\"{\\\"a\\\":\"}"), out.get("content").get(0).get("input"));
    assertEquals("max_tokens", out.get("stop_reason").asText());
  }

  @Test
  void anAnswerWithoutAnIdGetsAMessageIdOfItsOwn() {
    ObjectNode out = ChatToMessagesAnswer.translate(json("""
        {"model":"llama3","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}"""));
    assertTrue(out.get("id").asText().matches("msg_[0-9a-f]{32}"), out.get("id").asText());
    assertEquals(json("{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}"),
        sent(out.get("usage")));
  }

  @Test
  void theTranslatedAnswerIsAMessageTheAnthropicSdkReads() throws Exception {
    JsonNode translated = ChatToMessagesAnswer.translate(json(VLLM_REASONING_TOOL_CALL));
    Message message = ObjectMappers.jsonMapper().readValue(translated.toString(), Message.class).validate();
    assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
    assertEquals(3, message.content().size());
    assertTrue(message.content().get(0).isThinking());
    ContentBlock toolUse = message.content().get(2);
    assertEquals("chatcmpl-tool-3e1f", toolUse.asToolUse().id());
    assertEquals(212, message.usage().inputTokens());
  }
}
