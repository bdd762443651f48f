package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official SDKs get the same answers, streamed the same way, through the gateway as from the backend directly. */
class SdkClientsThroughGatewayTest {
  static GatewayHarness h;

  @BeforeAll
  static void start() {
    h = GatewayHarness.start();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static OpenAIClient openAi(String baseUrl) {
    return OpenAIOkHttpClient.builder().baseUrl(baseUrl + "/v1").apiKey("client-key").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static AnthropicClient anthropic(String baseUrl) {
    return AnthropicOkHttpClient.builder().baseUrl(baseUrl).apiKey("client-key").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static ChatCompletionCreateParams chat(String model, String text) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(text).build();
  }

  static MessageCreateParams message(String model, String text) {
    return MessageCreateParams.builder().model(model).maxTokens(256).addUserMessage(text).build();
  }

  @Test
  void openAiSdkGetsTheSameCompletionThroughTheGatewayAsDirectly() {
    ChatCompletion direct = openAi(h.mockUrl()).chat().completions().create(chat("gpt-4o", "Tell me about gateways"));
    ChatCompletion proxied = openAi(h.base()).chat().completions().create(chat("gpt-4o", "Tell me about gateways"));
    String text = proxied.choices().get(0).message().content().orElseThrow();
    assertEquals(direct.choices().get(0).message().content().orElseThrow(), text);
    assertTrue(text.contains("gateways"), text);
    assertEquals(direct.usage().orElseThrow().promptTokens(), proxied.usage().orElseThrow().promptTokens());
    JsonObject seen = h.lastUpstreamRequest();
    assertEquals("/v1/chat/completions", seen.getString("path"));
    assertEquals("gpt-4o", seen.getJsonObject("body").getString("model"));
  }

  @Test
  void openAiSdkStreamsTheSameChunksThroughTheGatewayAsDirectly() {
    List<String> direct = openAiStream(h.mockUrl());
    List<String> proxied = openAiStream(h.base());
    assertEquals(direct, proxied);
    assertTrue(proxied.size() >= 10, "one chunk per word: " + proxied);
  }

  private static List<String> openAiStream(String base) {
    List<String> pieces = new ArrayList<>();
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> s = openAi(base).chat().completions()
        .createStreaming(chat("gpt-4o", "Stream this please"))) {
      s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(pieces::add)));
    }
    return pieces;
  }

  @Test
  void anthropicSdkGetsTheSameMessageThroughTheGatewayAsDirectly() {
    Message direct = anthropic(h.mockUrl()).messages().create(message("claude-sonnet-4-5", "Hello Claude"));
    Message proxied = anthropic(h.base()).messages().create(message("claude-sonnet-4-5", "Hello Claude"));
    String text = proxied.content().get(0).text().orElseThrow().text();
    assertEquals(direct.content().get(0).text().orElseThrow().text(), text);
    assertEquals(direct.usage().inputTokens(), proxied.usage().inputTokens());
    JsonObject seen = h.lastUpstreamRequest();
    assertEquals("/v1/messages", seen.getString("path"));
  }

  @Test
  void anthropicSdkStreamsTheSameEventsThroughTheGatewayAsDirectly() {
    List<String> direct = anthropicStream(h.mockUrl());
    List<String> proxied = anthropicStream(h.base());
    assertEquals(direct, proxied);
    assertTrue(proxied.contains("message_start") && proxied.get(proxied.size() - 1).equals("message_stop"), proxied.toString());
  }

  private static List<String> anthropicStream(String base) {
    List<String> seen = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> s = anthropic(base).messages()
        .createStreaming(message("claude-sonnet-4-5", "Stream this please"))) {
      s.stream().forEach(e -> {
        if (e.isMessageStart()) seen.add("message_start");
        else if (e.isContentBlockDelta()) e.contentBlockDelta().orElseThrow().delta().text().ifPresent(t -> seen.add(t.text()));
        else if (e.isMessageStop()) seen.add("message_stop");
      });
    }
    return seen;
  }

  @Test
  void anthropicSdkCountsTokensThroughTheGateway() {
    long direct = anthropic(h.mockUrl()).messages().countTokens(MessageCountTokensParams.builder()
        .model("claude-sonnet-4-5").addUserMessage("How many tokens is this?").build()).inputTokens();
    long proxied = anthropic(h.base()).messages().countTokens(MessageCountTokensParams.builder()
        .model("claude-sonnet-4-5").addUserMessage("How many tokens is this?").build()).inputTokens();
    assertEquals(direct, proxied);
    assertTrue(proxied > 0);
  }

  @Test
  void aSessionPrefixInTheBaseUrlRoutesLikeThePlainPath() {
    ChatCompletion viaPrefix = openAi(h.base() + "/s/session-42").chat().completions().create(chat("gpt-4o", "hi"));
    assertFalse(viaPrefix.choices().isEmpty());
    assertEquals("/v1/chat/completions", h.lastUpstreamRequest().getString("path"));
    Message m = anthropic(h.base() + "/s/session-42").messages().create(message("claude-sonnet-4-5", "hi"));
    assertFalse(m.content().isEmpty());
    assertEquals("/v1/messages", h.lastUpstreamRequest().getString("path"));
  }
}
