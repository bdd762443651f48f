package dev.rebound.gateway.wire.translate;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.sun.net.httpserver.HttpServer;
import dev.rebound.gateway.stream.SseEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The official SDKs (anthropic-java, openai-java) reading translated events: one event at a time through each SDK's
 * own JSON mapper and model validation, or a whole stream served over HTTP to the SDK's streaming client (its own SSE
 * reader, error handling and end-of-stream rules) and accumulated into the message it would hand an application.
 */
final class OfficialSdks implements AutoCloseable {
  private final HttpServer server;
  private final AtomicReference<String> served = new AtomicReference<>("");
  private final AnthropicClient anthropic;
  private final OpenAIClient openAi;

  OfficialSdks() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "text/event-stream");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    anthropic = AnthropicOkHttpClient.builder().baseUrl(base).apiKey("test-key").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
    openAi = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("test-key").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  /**
   * The anthropic SDK's streaming client reads the events as a provider's answer and accumulates them; the message is
   * null when the stream did not reach message_stop. Throws the SDK's {@code SseException} for an error event.
   */
  Message anthropicMessage(List<SseEvent> events) {
    served.set(StreamFixtures.raw(events));
    MessageAccumulator accumulator = MessageAccumulator.create();
    boolean stopped = false;
    MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024)
        .addUserMessage("What is the capital of France?").build();
    try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(params)) {
      for (RawMessageStreamEvent e : (Iterable<RawMessageStreamEvent>) stream.stream()::iterator) {
        accumulator.accumulate(e);
        stopped |= e.isMessageStop();
      }
    }
    return stopped ? accumulator.message() : null;
  }

  /**
   * The openai SDK's streaming client reads the chunks and accumulates them; the completion is null when no chunk
   * finished the choice. Throws the SDK's {@code SseException} for an error chunk.
   */
  ChatCompletion openAiCompletion(List<SseEvent> events) {
    served.set(StreamFixtures.raw(events));
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    boolean finished = false;
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o")
        .addUserMessage("What is the capital of France?").build();
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
             openAi.chat().completions().createStreaming(params)) {
      for (ChatCompletionChunk c : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
        accumulator.accumulate(c);
        finished |= c.choices().stream().anyMatch(choice -> choice.finishReason().isPresent());
      }
    }
    return finished ? accumulator.chatCompletion() : null;
  }

  /** Each Messages event (pings and errors aside, which the SDK handles before its models) as the SDK's validated model. */
  static List<RawMessageStreamEvent> anthropicEvents(List<SseEvent> events) {
    List<RawMessageStreamEvent> parsed = new ArrayList<>();
    for (SseEvent e : events) {
      if (e.data() == null || "ping".equals(e.event()) || "error".equals(e.event())) continue;
      try {
        parsed.add(com.anthropic.core.ObjectMappers.jsonMapper().readValue(e.data(), RawMessageStreamEvent.class)
            .validate());
      } catch (JsonProcessingException ex) {
        throw new AssertionError("anthropic-java cannot read " + e.data(), ex);
      }
    }
    return parsed;
  }

  /** Each chunk ([DONE] and error chunks aside, which the SDK handles before its models) as the SDK's validated model. */
  static List<ChatCompletionChunk> openAiChunks(List<SseEvent> events) {
    List<ChatCompletionChunk> parsed = new ArrayList<>();
    for (SseEvent e : events) {
      if (e.data() == null || e.isDone() || e.data().startsWith("{\"error\"")) continue;
      try {
        parsed.add(com.openai.core.ObjectMappers.jsonMapper().readValue(e.data(), ChatCompletionChunk.class)
            .validate());
      } catch (JsonProcessingException ex) {
        throw new AssertionError("openai-java cannot read " + e.data(), ex);
      }
    }
    return parsed;
  }

  @Override
  public void close() {
    anthropic.close();
    openAi.close();
    server.stop(0);
  }
}
