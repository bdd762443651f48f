package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.wire.translate.StreamFixtures.parse;
import static dev.rebound.gateway.wire.translate.StreamFixtures.raw;
import static dev.rebound.gateway.wire.translate.StreamFixtures.read;
import static dev.rebound.gateway.wire.translate.StreamFixtures.translate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.models.messages.Message;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.models.chat.completions.ChatCompletion;
import dev.rebound.gateway.stream.SseEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The recorded and hand-written streams of {@code translation/streams/} (see its README): each translates to exactly
 * the expected events, and those events say what the backend's stream said when read back by the client format's
 * transcript and message builder and by the official SDK of the client's format.
 */
class StreamTranslationGoldenTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode ANTHROPIC_CLIENT = json("{\"model\":\"claude-sonnet-4-5\"}");
  private static final JsonNode OPENAI_CLIENT = json("{\"model\":\"gpt-4o\",\"stream_options\":{\"include_usage\":true}}");
  /** The request the translation sends an OpenAI backend always asks for the usage chunk. */
  private static final JsonNode OPENAI_BACKEND_REQUEST = OPENAI_CLIENT;
  private static final Clock MESSAGE_START = Clock.fixed(Instant.ofEpochSecond(1748000000L), ZoneOffset.UTC);
  private static OfficialSdks sdks;

  @BeforeAll
  static void startSdks() {
    sdks = new OfficialSdks();
  }

  @AfterAll
  static void stopSdks() {
    sdks.close();
  }

  static Stream<String> chatCases() {
    return Stream.of("text", "tool-call", "parallel-tool-calls", "reasoning", "cached-usage", "max-tokens",
        "error-mid-stream", "rate-limit-mid-stream");
  }

  static Stream<String> messagesCases() {
    return Stream.of("text", "tool-call", "parallel-tool-use", "thinking", "cached-usage", "max-tokens",
        "error-mid-stream");
  }

  @Test
  void everyFixtureHasItsCase() throws IOException {
    assertEquals(casesOf(chatCases()), fixturesIn("chat-to-messages"));
    assertEquals(casesOf(messagesCases()), fixturesIn("messages-to-chat"));
  }

  // --- OpenAI Chat stream in, Anthropic Messages events out

  @ParameterizedTest(name = "{0}")
  @MethodSource("chatCases")
  void chatStreamBecomesTheExpectedMessagesEvents(String name) {
    List<SseEvent> out = translate(new ChatToMessagesStream(ANTHROPIC_CLIENT), read("chat-to-messages/" + name + ".in.sse"));
    assertEquals(read("chat-to-messages/" + name + ".out.sse"), raw(out));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chatCases")
  void anthropicTranscriptRebuildsWhatTheChatStreamSaid(String name) {
    List<SseEvent> in = parse(read("chat-to-messages/" + name + ".in.sse"));
    List<SseEvent> out = translate(new ChatToMessagesStream(ANTHROPIC_CLIENT), in);
    RebuiltAnswer said = RebuiltAnswer.ofOpenAi(in, OPENAI_BACKEND_REQUEST);
    assertEquals(said, RebuiltAnswer.ofAnthropic(out, ANTHROPIC_CLIENT));
    assertFalse(said.text().isEmpty() && said.calls().isEmpty(), "the case says something: " + said);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chatCases")
  void anthropicSdkReadsWhatTheChatStreamSaid(String name) {
    List<SseEvent> in = parse(read("chat-to-messages/" + name + ".in.sse"));
    List<SseEvent> out = translate(new ChatToMessagesStream(ANTHROPIC_CLIENT), in);
    assertEquals(out.stream().filter(e -> !"ping".equals(e.event()) && !"error".equals(e.event())).count(),
        OfficialSdks.anthropicEvents(out).size());
    RebuiltAnswer said = RebuiltAnswer.ofOpenAi(in, OPENAI_BACKEND_REQUEST);
    String backendError = errorMessage(in);
    if (backendError == null) {
      Message message = sdks.anthropicMessage(out);
      assertNotNull(message, "the stream reached message_stop");
      assertEquals(said, RebuiltAnswer.ofAnthropicSdk(message));
    } else {
      com.anthropic.errors.SseException error =
          assertThrows(com.anthropic.errors.SseException.class, () -> sdks.anthropicMessage(out));
      JsonNode event = json(out.get(out.size() - 1).data());
      assertEquals(backendError, event.path("error").path("message").asText());
      assertEquals(event.path("error").path("type").asText(), error.errorType().orElseThrow().asString());
      assertEquals(backendError, error.apiMessage().orElseThrow());
    }
  }

  // --- Anthropic Messages stream in, OpenAI Chat chunks out

  @ParameterizedTest(name = "{0}")
  @MethodSource("messagesCases")
  void messagesStreamBecomesTheExpectedChatChunks(String name) {
    List<SseEvent> out = translate(new MessagesToChatStream(OPENAI_CLIENT, MESSAGE_START),
        read("messages-to-chat/" + name + ".in.sse"));
    assertEquals(read("messages-to-chat/" + name + ".out.sse"), raw(out));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messagesCases")
  void openAiTranscriptRebuildsWhatTheMessagesStreamSaid(String name) {
    List<SseEvent> in = parse(read("messages-to-chat/" + name + ".in.sse"));
    List<SseEvent> out = translate(new MessagesToChatStream(OPENAI_CLIENT, MESSAGE_START), in);
    RebuiltAnswer said = RebuiltAnswer.ofAnthropic(in, ANTHROPIC_CLIENT);
    RebuiltAnswer told = RebuiltAnswer.ofOpenAi(out, OPENAI_CLIENT);
    // OpenAI reports usage only in the last chunk: a stream that never ends tells the client none
    assertEquals(said.complete() ? said : said.withoutUsage(), told);
    assertFalse(said.text().isEmpty() && said.calls().isEmpty(), "the case says something: " + said);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messagesCases")
  void openAiSdkReadsWhatTheMessagesStreamSaid(String name) {
    List<SseEvent> in = parse(read("messages-to-chat/" + name + ".in.sse"));
    List<SseEvent> out = translate(new MessagesToChatStream(OPENAI_CLIENT, MESSAGE_START), in);
    assertEquals(out.stream().filter(e -> !e.isDone() && !e.data().startsWith("{\"error\"")).count(),
        OfficialSdks.openAiChunks(out).size());
    RebuiltAnswer said = RebuiltAnswer.ofAnthropic(in, ANTHROPIC_CLIENT);
    String backendError = errorMessage(in);
    if (backendError == null) {
      ChatCompletion completion = sdks.openAiCompletion(out);
      assertNotNull(completion, "a chunk finished the choice");
      assertEquals(said.withoutReasoning(), RebuiltAnswer.ofOpenAiSdk(completion));
    } else {
      com.openai.errors.SseException error =
          assertThrows(com.openai.errors.SseException.class, () -> sdks.openAiCompletion(out));
      JsonNode anthropicError = json(lastError(in)).path("error");
      assertEquals(anthropicError.path("type").asText(), error.type().orElseThrow());
      assertTrue(error.getMessage().contains(backendError), error.getMessage());
    }
  }

  @Test
  void openAiSdkKeepsNoUsageChunkTheClientDidNotAskFor() {
    List<SseEvent> out = translate(new MessagesToChatStream(json("{\"model\":\"gpt-4o\"}"), MESSAGE_START),
        read("messages-to-chat/text.in.sse"));
    ChatCompletion completion = sdks.openAiCompletion(out);
    assertTrue(completion.usage().isEmpty());
    assertEquals("Mock reply to: What is the capital of", completion.choices().get(0).message().content().orElseThrow());
  }

  /** The message of the backend's error event, null when its stream has none. */
  private static String errorMessage(List<SseEvent> backend) {
    String error = lastError(backend);
    return error == null ? null : json(error).path("error").path("message").asText();
  }

  private static String lastError(List<SseEvent> backend) {
    SseEvent last = backend.get(backend.size() - 1);
    boolean error = "error".equals(last.event()) || (last.data() != null && last.data().startsWith("{\"error\""));
    return error ? last.data() : null;
  }

  private static Set<String> casesOf(Stream<String> cases) {
    Set<String> files = new TreeSet<>();
    cases.forEach(c -> {
      files.add(c + ".in.sse");
      files.add(c + ".out.sse");
    });
    return files;
  }

  private static Set<String> fixturesIn(String dir) throws IOException {
    try (Stream<Path> files = Files.list(StreamFixtures.SOURCE_DIR.resolve(dir))) {
      Set<String> names = new TreeSet<>();
      files.forEach(f -> names.add(f.getFileName().toString()));
      return names;
    }
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
