package dev.rebound.gateway.wire.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The recorded fixture inputs are what mock-llm streams today: each is recorded again and compared, ids and times
 * aside. Run with {@code -Drebound.recordStreams=true} to write the recordings over the fixtures instead (then check
 * the expected outputs again by hand).
 */
class MockLlmRecordingsTest {
  private static final String WEATHER_TOOL_OPENAI = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
      + "\"description\":\"Current weather in a city\",\"parameters\":{\"type\":\"object\",\"properties\":{"
      + "\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},"
      + "\"required\":[\"city\",\"unit\"]}}}]";
  private static final String WEATHER_TOOL_ANTHROPIC = "[{\"name\":\"get_weather\",\"description\":\"Current weather in a"
      + " city\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{"
      + "\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"city\",\"unit\"]}}]";
  private static final String QUESTION = "[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]";
  private static final String CHAT = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
      + "\"messages\":" + QUESTION;
  private static final String MESSAGES = "{\"model\":\"claude-sonnet-4-5\",\"stream\":true,\"messages\":" + QUESTION;
  private static final String RATE_LIMIT = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization"
      + " org-mock on tokens per min (TPM): Limit 30000, Used 30000, Requested 512. Please try again in 1.024s.\","
      + "\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}";

  /** One recorded stream: the fixture it is saved as, the request, and the fault armed for it (null for none). */
  record Recording(String fixture, String path, String body, String fault) {
    @Override
    public String toString() {
      return fixture;
    }
  }

  static List<Recording> recordings() {
    return List.of(
        new Recording("chat-to-messages/text.in.sse", "/v1/chat/completions", CHAT + "}", null),
        new Recording("chat-to-messages/tool-call.in.sse", "/v1/chat/completions",
            CHAT + ",\"tools\":" + WEATHER_TOOL_OPENAI + "}", null),
        new Recording("chat-to-messages/max-tokens.in.sse", "/v1/chat/completions", CHAT + ",\"max_tokens\":4}", null),
        new Recording("chat-to-messages/error-mid-stream.in.sse", "/v1/chat/completions", CHAT + "}",
            "{\"streamErrorAfterChunks\":3}"),
        new Recording("chat-to-messages/rate-limit-mid-stream.in.sse", "/v1/chat/completions", CHAT + "}",
            "{\"streamErrorAfterChunks\":2,\"event\":" + RATE_LIMIT + "}"),
        new Recording("messages-to-chat/text.in.sse", "/v1/messages", MESSAGES + ",\"max_tokens\":256}", null),
        new Recording("messages-to-chat/tool-call.in.sse", "/v1/messages",
            MESSAGES + ",\"max_tokens\":256,\"tools\":" + WEATHER_TOOL_ANTHROPIC + "}", null),
        new Recording("messages-to-chat/max-tokens.in.sse", "/v1/messages", MESSAGES + ",\"max_tokens\":4}", null),
        new Recording("messages-to-chat/error-mid-stream.in.sse", "/v1/messages", MESSAGES + ",\"max_tokens\":256}",
            "{\"streamErrorAfterChunks\":3}"));
  }

  private static Vertx vertx;
  private static MockLlmServer mock;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void startMock() {
    vertx = Vertx.vertx();
    mock = new MockLlmServer(vertx, MockLlmOptions.defaults());
    mock.start().await();
  }

  @AfterAll
  static void stopMock() {
    mock.stop().await();
    vertx.close().await();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recordings")
  void fixtureIsWhatMockLlmStreams(Recording recording) throws Exception {
    String fresh = record(recording);
    if (Boolean.getBoolean("rebound.recordStreams")) {
      Files.writeString(StreamFixtures.SOURCE_DIR.resolve(recording.fixture()), fresh, StandardCharsets.UTF_8);
      return;
    }
    assertEquals(withoutIdsAndTimes(StreamFixtures.read(recording.fixture())), withoutIdsAndTimes(fresh));
  }

  private static String record(Recording recording) throws IOException, InterruptedException {
    mock.reset();
    if (recording.fault() != null) mock.addFaults(new JsonArray().add(new JsonObject(recording.fault())));
    HttpRequest request = HttpRequest.newBuilder(URI.create(mock.baseUrl() + recording.path()))
        .header("content-type", "application/json")
        .header("x-mock-reply-words", "8")
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(recording.body()))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
  }

  /** mock-llm draws its ids at random and stamps the time; the rest of a stream is the same every time. */
  private static String withoutIdsAndTimes(String stream) {
    return stream.replaceAll("\"created\":\\d+", "\"created\":0")
        .replaceAll("(chatcmpl-|msg_|toolu_|call_)[0-9A-Za-z]{24}", "$1ID");
  }
}
