package dev.rebound.gateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.wire.formats.WireFormats;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class TokenUsageTest {
  @Test
  void anOpenAiAnswersUsageCountsCachedPromptTokensApartFromTheRest() {
    Buffer body = Buffer.buffer("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + "\"the \\\"usage\\\": {\\\"prompt_tokens\\\": 999} in my text is not the usage\"}}],"
        + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,\"prompt_tokens_details\":{\"cached_tokens\":100}},"
        + "\"system_fingerprint\":\"fp\"}");
    assertEquals(new TokenUsage(20, 30, 100, 0), WireFormats.OPENAI_CHAT.usageOfAnswer(body));
  }

  @Test
  void anAnthropicAnswersUsageKeepsItsCacheReadsAndWrites() {
    Buffer body = Buffer.buffer("{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"usage\":"
        + "{\"input_tokens\":12,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":4000,\"output_tokens\":7}}");
    assertEquals(new TokenUsage(12, 7, 4000, 300), WireFormats.ANTHROPIC_MESSAGES.usageOfAnswer(body));
  }

  @Test
  void anAnswerWithoutUsageOrWithItBuriedFarFromTheEndReportsNone() {
    assertEquals(TokenUsage.NONE, WireFormats.OPENAI_CHAT.usageOfAnswer(Buffer.buffer("{\"choices\":[]}")));
    assertEquals(TokenUsage.NONE, WireFormats.OPENAI_CHAT.usageOfAnswer(Buffer.buffer("{\"usage\":{\"prompt_tokens\":1},"
        + "\"pad\":\"" + "x".repeat(TokenUsage.TAIL) + "\"}")));
    assertEquals(TokenUsage.NONE, WireFormats.OPENAI_CHAT.usageOfAnswer(Buffer.buffer("{\"usage\":")));
  }

  @Test
  void aStreamsUsageIsReadInPartsEachKeepingWhatTheOthersSaid() throws Exception {
    ObjectMapper json = new ObjectMapper();
    TokenUsage start = WireFormats.ANTHROPIC_MESSAGES.usage(TokenUsage.NONE,
        json.readTree("{\"input_tokens\":50,\"cache_read_input_tokens\":10,\"output_tokens\":1}"));
    TokenUsage end = WireFormats.ANTHROPIC_MESSAGES.usage(start, json.readTree("{\"output_tokens\":42}"));
    assertEquals(new TokenUsage(50, 42, 10, 0), end);
  }
}
