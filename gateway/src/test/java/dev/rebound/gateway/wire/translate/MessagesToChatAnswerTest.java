package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.wire.translate.TranslationFixtures.json;
import static dev.rebound.gateway.wire.translate.TranslationFixtures.sent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MessagesToChatAnswerTest {
  /** An Anthropic answer with interleaved thinking, text and a tool call, as the Messages API sends it. */
  static final String THINKING_TEXT_TOOL_USE = """
      {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
       "content":[{"type":"thinking","thinking":"I should look it up.","signature":"EqQBCgIYAhIMsig"},
                  {"type":"text","text":"Checking the weather."},
                  {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris","days":[1,2]}}],
       "stop_reason":"tool_use","stop_sequence":null,
       "usage":{"input_tokens":50,"cache_creation_input_tokens":1000,"cache_read_input_tokens":2000,"output_tokens":80,
                "service_tier":"standard"}}""";

  private static String message(String content, String stopReason) {
    return "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":" + content
        + ",\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}";
  }

  @Test
  void aMessageWithThinkingTextAndAToolUseBecomesAChatCompletion() {
    assertEquals(json("""
        {"id":"chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL","object":"chat.completion","created":1733000000,
         "model":"claude-sonnet-4-5-20250929",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Checking the weather.","refusal":null,
           "tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
             "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\",\\"days\\":[1,2]}"}}],
           "reasoning_content":"I should look it up."},
           "logprobs":null,"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":3050,"completion_tokens":80,"total_tokens":3130,"prompt_tokens_details":{"cached_tokens":2000}}}"""),
        sent(MessagesToChatAnswer.translate(json(THINKING_TEXT_TOOL_USE), 1733000000)));
  }

  @Test
  void textBlocksJoinAsTheyComeAndNoTextMeansNullContent() {
    ObjectNode cited = MessagesToChatAnswer.translate(json(message("""
        [{"type":"text","text":"Paris is "},{"type":"text","text":"the capital","citations":[]},{"type":"text","text":" of France."}]""",
        "end_turn")));
    assertEquals("Paris is the capital of France.", cited.at("/choices/0/message/content").asText());
    ObjectNode toolOnly = MessagesToChatAnswer.translate(json(message("""
        [{"type":"tool_use","id":"toolu_1","name":"ls","input":{}}]""", "tool_use")));
    assertTrue(toolOnly.at("/choices/0/message/content").isNull());
    assertEquals("{}", toolOnly.at("/choices/0/message/tool_calls/0/function/arguments").asText());
  }

  @Test
  void redactedThinkingAndServerToolBlocksAreLeftOut() {
    ObjectNode out = MessagesToChatAnswer.translate(json(message("""
        [{"type":"redacted_thinking","data":"EmwKAhgB"},
         {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}},
         {"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]},
         {"type":"text","text":"Found it."}]""", "end_turn")));
    JsonNode m = out.at("/choices/0/message");
    assertEquals("Found it.", m.get("content").asText());
    assertFalse(m.has("tool_calls") || m.has("reasoning_content"), m.toString());
    assertFalse(out.toString().contains("EmwK"));
  }

  @Test
  void stopReasonsBecomeFinishReasons() {
    String text = "[{\"type\":\"text\",\"text\":\"x\"}]";
    assertEquals("stop", finish(message(text, "end_turn")));
    assertEquals("stop", finish(message(text, "stop_sequence")));
    assertEquals("length", finish(message(text, "max_tokens")));
    assertEquals("content_filter", finish(message(text, "refusal")));
    assertEquals("tool_calls", finish(message(text, "tool_use")));
  }

  private static String finish(String message) {
    return MessagesToChatAnswer.translate(json(message)).at("/choices/0/finish_reason").asText();
  }

  @Test
  void createdIsTheTimeOfTranslation() {
    long before = Instant.now().getEpochSecond();
    long created = MessagesToChatAnswer.translate(json(message("[]", "end_turn"))).get("created").asLong();
    assertTrue(created >= before && created <= Instant.now().getEpochSecond(), String.valueOf(created));
  }

  @Test
  void theTranslatedAnswerIsAChatCompletionTheOpenAiSdkReads() throws Exception {
    JsonNode translated = MessagesToChatAnswer.translate(json(THINKING_TEXT_TOOL_USE));
    ChatCompletion completion = ObjectMappers.jsonMapper().readValue(translated.toString(), ChatCompletion.class).validate();
    ChatCompletion.Choice choice = completion.choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
    assertEquals("Checking the weather.", choice.message().content().orElseThrow());
    assertEquals("toolu_01A09q90qw90lq917835lq9", choice.message().toolCalls().orElseThrow().get(0).asFunction().id());
    assertEquals(2000, completion.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens().orElseThrow());
  }
}
