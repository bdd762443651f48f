package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiChatCompletionsTest extends MockLlmHttpTest {

  private static final String PATH = "/v1/chat/completions";

  @Test
  void answersWithAChatCompletionAndRealTokenUsage() throws Exception {
    HttpResponse<Buffer> response = post(PATH, openAiChat("gpt-4o", "Hello there friend"));

    assertEquals(200, response.statusCode());
    assertEquals("application/json", response.getHeader("content-type"));
    JsonObject body = response.bodyAsJsonObject();
    assertTrue(body.getString("id").startsWith("chatcmpl-"));
    assertEquals("chat.completion", body.getString("object"));
    assertEquals("gpt-4o", body.getString("model"));
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertEquals("stop", choice.getString("finish_reason"));
    assertEquals("assistant", choice.getJsonObject("message").getString("role"));
    String text = choice.getJsonObject("message").getString("content");
    assertEquals("Mock reply to: Hello there friend word7 word8 word9 word10 word11 word12", text);

    // gpt-4o uses o200k_base; 3 per message + role + content, plus 3 to prime the reply.
    Encoding o200k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    int prompt = 3 + o200k.countTokens("user") + o200k.countTokens("Hello there friend") + 3;
    JsonObject usage = body.getJsonObject("usage");
    assertEquals(prompt, usage.getInteger("prompt_tokens"));
    assertTrue(usage.getInteger("completion_tokens") >= 12);
    assertEquals(prompt + usage.getInteger("completion_tokens"), usage.getInteger("total_tokens"));
  }

  @Test
  void streamsOneWordPerChunkAndEndsWithDone() throws Exception {
    HttpResponse<Buffer> response = post(PATH, openAiChat("mock-small", "Hi").put("stream", true));

    assertEquals(200, response.statusCode());
    assertEquals("text/event-stream", response.getHeader("content-type"));
    List<SseEvent> events = sse(response.bodyAsString());
    assertEquals("[DONE]", events.get(events.size() - 1).data());
    List<SseEvent> chunks = events.subList(0, events.size() - 1);
    assertEquals(12 + 1, chunks.size(), "12 word chunks and a finish chunk");

    StringBuilder text = new StringBuilder();
    String id = chunks.get(0).json().getString("id");
    for (int i = 0; i < chunks.size(); i++) {
      JsonObject chunk = chunks.get(i).json();
      assertEquals(id, chunk.getString("id"));
      assertEquals("chat.completion.chunk", chunk.getString("object"));
      assertEquals("mock-small", chunk.getString("model"));
      assertTrue(chunk.containsKey("created"));
      assertTrue(!chunk.containsKey("usage"), "no usage field without include_usage");
      JsonObject choice = chunk.getJsonArray("choices").getJsonObject(0);
      assertEquals(0, choice.getInteger("index"));
      JsonObject delta = choice.getJsonObject("delta");
      assertEquals(i == 0 ? "assistant" : null, delta.getString("role"));
      if (i < 12) {
        assertNull(choice.getValue("finish_reason"));
        assertEquals(1, delta.getString("content").trim().split(" ").length, "one word per chunk");
        text.append(delta.getString("content"));
      } else {
        assertEquals("stop", choice.getString("finish_reason"));
        assertTrue(delta.isEmpty());
      }
    }
    assertEquals("Mock reply to: Hi word5 word6 word7 word8 word9 word10 word11 word12", text.toString());
  }

  @Test
  void appendsAUsageChunkWithNoChoicesWhenIncludeUsageIsSet() throws Exception {
    JsonObject request = openAiChat("gpt-4o", "Count me").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));

    List<SseEvent> events = sse(post(PATH, request).bodyAsString());
    JsonObject usageChunk = events.get(events.size() - 2).json();
    JsonObject finishChunk = events.get(events.size() - 3).json();

    assertEquals("[DONE]", events.get(events.size() - 1).data());
    assertEquals(new JsonArray(), usageChunk.getJsonArray("choices"));
    JsonObject usage = usageChunk.getJsonObject("usage");
    assertEquals(usage.getInteger("prompt_tokens") + usage.getInteger("completion_tokens"),
        usage.getInteger("total_tokens"));
    assertTrue(finishChunk.containsKey("usage") && finishChunk.getValue("usage") == null,
        "other chunks carry usage: null, as OpenAI sends them");
    JsonObject nonStreamUsage = post(PATH, openAiChat("gpt-4o", "Count me")).bodyAsJsonObject().getJsonObject("usage");
    assertEquals(nonStreamUsage, usage, "streamed usage matches the non-streamed answer");
  }

  @Test
  void replyWordsHeaderSetsTheLengthOfTheReply() throws Exception {
    HttpResponse<Buffer> response = post(PATH, openAiChat("mock-small", "Hi").put("stream", true),
        "x-mock-reply-words", "40");

    List<SseEvent> events = sse(response.bodyAsString());
    assertEquals(40 + 2, events.size(), "40 word chunks, the finish chunk and [DONE]");
  }

  @Test
  void stopsWithFinishReasonLengthWhenMaxTokensCutsTheReply() throws Exception {
    JsonObject request = openAiChat("gpt-4o", "Hi").put("max_completion_tokens", 4);

    JsonObject body = post(PATH, request).bodyAsJsonObject();
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertEquals("length", choice.getString("finish_reason"));
    assertTrue(body.getJsonObject("usage").getInteger("completion_tokens") <= 4);
    String text = choice.getJsonObject("message").getString("content");
    assertTrue(text.startsWith("Mock reply") && "Mock reply to: Hi word5".startsWith(text), text);

    List<SseEvent> events = sse(post(PATH, request.copy().put("stream", true)).bodyAsString());
    JsonObject finish = events.get(events.size() - 2).json().getJsonArray("choices").getJsonObject(0);
    assertEquals("length", finish.getString("finish_reason"));
    assertEquals(text.split(" ").length + 2, events.size(), "the same words, one per chunk");
  }

  @Test
  void pacesChunksWithTheChunkDelayHeader() throws Exception {
    long started = System.nanoTime();
    HttpResponse<Buffer> response = post(PATH, openAiChat("mock-small", "Hi").put("stream", true),
        "x-mock-chunk-delay-ms", "40");
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;

    assertEquals(200, response.statusCode());
    assertTrue(elapsedMs >= 11 * 40, "11 pauses between 12 chunks, took " + elapsedMs + " ms");
  }

  @Test
  void ignoresFieldsItDoesNotKnow() throws Exception {
    JsonObject request = openAiChat("some-unknown-model", "Hi")
        .put("temperature", 0.2).put("user", "abc").put("metadata", new JsonObject().put("x", 1))
        .put("frequency_penalty", 0.5).put("reasoning_effort", "low");

    HttpResponse<Buffer> response = post(PATH, request);

    assertEquals(200, response.statusCode());
    assertEquals("some-unknown-model", response.bodyAsJsonObject().getString("model"));
  }

  @Test
  void rejectsMalformedJsonWithAnInvalidRequestError() throws Exception {
    HttpResponse<Buffer> response = postRaw(PATH, "{\"model\": \"gpt-4o\", ");

    assertEquals(400, response.statusCode());
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertEquals("invalid_request_error", error.getString("type"));
    assertTrue(error.getString("message").startsWith("We could not parse the JSON body of your request."));
    assertTrue(error.containsKey("param") && error.containsKey("code"));
  }

  @Test
  void rejectsARequestWithoutModelOrMessages() throws Exception {
    HttpResponse<Buffer> noModel = post(PATH, openAiChat("gpt-4o", "Hi").put("model", null));
    HttpResponse<Buffer> noMessages = post(PATH, new JsonObject().put("model", "gpt-4o"));

    assertEquals(400, noModel.statusCode());
    assertEquals("you must provide a model parameter",
        noModel.bodyAsJsonObject().getJsonObject("error").getString("message"));
    assertEquals(400, noMessages.statusCode());
    JsonObject error = noMessages.bodyAsJsonObject().getJsonObject("error");
    assertEquals("invalid_request_error", error.getString("type"));
    assertEquals("messages", error.getString("param"));
  }

  @Test
  void listsModelsWithTheirContextWindows() throws Exception {
    JsonObject body = get("/v1/models").bodyAsJsonObject();

    assertEquals("list", body.getString("object"));
    JsonObject small = body.getJsonArray("data").stream().map(JsonObject.class::cast)
        .filter(m -> m.getString("id").equals("mock-small")).findFirst().orElseThrow();
    assertEquals("model", small.getString("object"));
    assertEquals("mock-llm", small.getString("owned_by"));
    assertEquals(4096, small.getInteger("max_model_len"));
    assertTrue(small.containsKey("created"));
  }

  @Test
  void answersHealthChecks() throws Exception {
    assertEquals(new JsonObject().put("status", "ok"), get("/health").bodyAsJsonObject());
  }
}
