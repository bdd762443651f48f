package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A mock-llm that speaks only Chat Completions stands in for vLLM, Ollama or llama.cpp: Messages paths are not there. */
class SingleFormatServerTest extends MockLlmHttpTest {

  @Override
  MockLlmOptions options() {
    return MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.OPENAI));
  }

  @Test
  void anOpenAiOnlyServerAnswersChatCompletionsAndRefusesMessagesWith404() throws Exception {
    JsonObject chat = new JsonObject().put("model", "gpt-4o")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    assertEquals(200, post("/v1/chat/completions", chat).statusCode());

    JsonObject message = new JsonObject().put("model", "gpt-4o").put("max_tokens", 10)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    HttpResponse<Buffer> refused = post("/v1/messages", message);
    assertEquals(404, refused.statusCode());
    assertTrue(refused.bodyAsString().contains("no route POST /v1/messages"), refused.bodyAsString());
    assertEquals(404, post("/v1/messages/count_tokens", message).statusCode());
  }

  @Test
  void speaksNamesOnlyKnownFormats() {
    assertThrows(IllegalArgumentException.class, () -> MockLlmOptions.defaults().withSpeaks(Set.of("grpc")));
    assertThrows(IllegalArgumentException.class, () -> MockLlmOptions.defaults().withSpeaks(Set.of()));
  }
}
