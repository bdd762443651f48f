package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ContextWindowTest extends MockLlmHttpTest {

  /** Far more than mock-small's 4096 tokens. */
  private static final String LONG_TEXT = "lorem ipsum dolor sit amet ".repeat(2000);

  @Override
  MockLlmOptions options() {
    return MockLlmOptions.defaults().withDefaultContextWindow(1000);
  }

  @Test
  void openAiRejectsAPromptLongerThanTheWindowAsContextLengthExceeded() throws Exception {
    HttpResponse<Buffer> response = post("/v1/chat/completions", openAiChat("mock-small", LONG_TEXT));

    assertEquals(400, response.statusCode());
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    Matcher m = Pattern.compile("This model's maximum context length is (\\d+) tokens\\. However, your messages"
        + " resulted in (\\d+) tokens\\. Please reduce the length of the messages\\.").matcher(error.getString("message"));
    assertTrue(m.matches(), error.getString("message"));
    assertEquals(4096, Integer.parseInt(m.group(1)));
    assertTrue(Integer.parseInt(m.group(2)) > 4096);
    assertEquals("invalid_request_error", error.getString("type"));
    assertEquals("messages", error.getString("param"));
    assertEquals("context_length_exceeded", error.getString("code"));
  }

  @Test
  void openAiRejectsPromptPlusMaxTokensOverTheWindowInVllmWording() throws Exception {
    int prompt = post("/v1/chat/completions", openAiChat("mock-small", "Hi")).bodyAsJsonObject()
        .getJsonObject("usage").getInteger("prompt_tokens");

    HttpResponse<Buffer> response = post("/v1/chat/completions", openAiChat("mock-small", "Hi").put("max_tokens", 4096));

    assertEquals(400, response.statusCode());
    assertEquals(new JsonObject().put("error", new JsonObject()
        .put("message", "This model's maximum context length is 4096 tokens. However, you requested " + (prompt + 4096)
            + " tokens (" + prompt + " in the messages, 4096 in the completion). Please reduce the length of the"
            + " messages or completion.")
        .put("type", "BadRequestError").put("param", null).put("code", 400)), response.bodyAsJsonObject());
  }

  @Test
  void anthropicRejectsAPromptLongerThanTheWindowAsPromptTooLong() throws Exception {
    JsonObject request = anthropicMessage("claude-sonnet-4-5", LONG_TEXT.repeat(20));
    int prompt = post("/v1/messages/count_tokens", request).bodyAsJsonObject().getInteger("input_tokens");

    HttpResponse<Buffer> response = post("/v1/messages", request);

    assertTrue(prompt > 200_000);
    assertEquals(400, response.statusCode());
    assertEquals(new JsonObject().put("type", "error").put("error", new JsonObject()
            .put("type", "invalid_request_error")
            .put("message", "prompt is too long: " + prompt + " tokens > 200000 maximum")),
        response.bodyAsJsonObject());
  }

  @Test
  void anthropicRejectsInputPlusMaxTokensOverTheWindow() throws Exception {
    JsonObject request = anthropicMessage("mock-small", "Hi").put("max_tokens", 4000);
    int prompt = post("/v1/messages/count_tokens", request).bodyAsJsonObject().getInteger("input_tokens");

    HttpResponse<Buffer> response = post("/v1/messages", request.put("max_tokens", 4095));

    assertEquals(400, response.statusCode());
    assertEquals("input length and `max_tokens` exceed context limit: " + prompt + " + 4095 > 4096, decrease input"
            + " length or `max_tokens` and try again",
        response.bodyAsJsonObject().getJsonObject("error").getString("message"));
    assertEquals(200, post("/v1/messages", request.put("max_tokens", 4096 - prompt)).statusCode(),
        "a request that exactly fills the window is fine");
  }

  @Test
  void unknownModelsGetTheDefaultWindow() throws Exception {
    HttpResponse<Buffer> response = post("/v1/chat/completions", openAiChat("my-own-model", LONG_TEXT.substring(0, 8000)));

    assertEquals(400, response.statusCode());
    assertTrue(response.bodyAsJsonObject().getJsonObject("error").getString("message")
        .startsWith("This model's maximum context length is 1000 tokens."));
  }
}
