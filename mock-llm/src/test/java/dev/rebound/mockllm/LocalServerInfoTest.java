package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The info endpoints of llama.cpp, Ollama and TGI, whose values follow the configured models. */
class LocalServerInfoTest extends MockLlmHttpTest {

  @Override
  MockLlmOptions options() {
    return MockLlmOptions.defaults().withModels(List.of(
        new MockModel("local-llama", 8192),
        new MockModel("full-length", 32_768, 32_768)));
  }

  @Test
  void llamaCppPropsReportTheFirstModelAndItsWindowAsNCtx() throws Exception {
    HttpResponse<Buffer> response = get("/props");

    assertEquals(200, response.statusCode());
    assertEquals("application/json", response.getHeader("content-type"));
    assertEquals(new JsonObject()
            .put("default_generation_settings", new JsonObject()
                .put("n_ctx", 8192)
                .put("model", "local-llama")
                .put("params", new JsonObject().put("n_predict", -1).put("temperature", 0.8).put("top_k", 40)
                    .put("top_p", 0.95).put("min_p", 0.05).put("stream", false)))
            .put("total_slots", 1)
            .put("model_path", "/models/local-llama.gguf")
            .put("model_alias", "local-llama")
            .put("build_info", "mock-llm")
            .put("modalities", new JsonObject().put("vision", false).put("audio", false)),
        response.bodyAsJsonObject());
  }

  @Test
  void tgiInfoReportsTheFirstModelWithItsWindowAsMaxTotalTokens() throws Exception {
    HttpResponse<Buffer> response = get("/info");

    assertEquals(200, response.statusCode());
    assertEquals(new JsonObject()
            .put("model_id", "local-llama")
            .put("max_input_tokens", 8191)
            .put("max_total_tokens", 8192)
            .put("max_input_length", 8191)
            .put("max_concurrent_requests", 128)
            .put("version", "mock-llm")
            .put("router", "text-generation-router"),
        response.bodyAsJsonObject());
  }

  @Test
  void ollamaShowReportsNumCtxBelowATrainedContextLengthFourTimesLarger() throws Exception {
    HttpResponse<Buffer> response = post("/api/show", new JsonObject().put("model", "local-llama"));

    assertEquals(200, response.statusCode());
    JsonObject body = response.bodyAsJsonObject();
    assertEquals("num_ctx                        8192\nstop                           \"<|eot_id|>\"",
        body.getString("parameters"));
    assertEquals(new JsonObject()
            .put("general.architecture", "llama")
            .put("general.parameter_count", 8_030_261_248L)
            .put("llama.context_length", 4 * 8192)
            .put("llama.embedding_length", 4096),
        body.getJsonObject("model_info"));
    assertEquals(new JsonObject().put("parent_model", "").put("format", "gguf").put("family", "llama")
            .put("families", new JsonArray().add("llama")).put("parameter_size", "8.0B")
            .put("quantization_level", "Q4_0"),
        body.getJsonObject("details"));
    assertTrue(body.getString("modelfile").contains("\nFROM /models/local-llama.gguf\n"), body.getString("modelfile"));
    assertTrue(body.getString("modelfile").contains("\nPARAMETER num_ctx 8192\n"), body.getString("modelfile"));
    assertTrue(body.getString("template").contains("{{ .Prompt }}"));
    assertEquals(new JsonArray().add("completion"), body.getJsonArray("capabilities"));
  }

  @Test
  void ollamaShowHasNoNumCtxForAModelThatRunsAtItsTrainedLength() throws Exception {
    JsonObject body = post("/api/show", new JsonObject().put("model", "full-length")).bodyAsJsonObject();

    assertEquals("stop                           \"<|eot_id|>\"", body.getString("parameters"));
    assertFalse(body.getString("modelfile").contains("num_ctx"), body.getString("modelfile"));
    assertEquals(32_768, body.getJsonObject("model_info").getInteger("llama.context_length"));
  }

  @Test
  void ollamaShowAcceptsTheOlderNameFieldAndPrefersModel() throws Exception {
    JsonObject byName = post("/api/show", new JsonObject().put("name", "full-length")).bodyAsJsonObject();
    JsonObject both = post("/api/show", new JsonObject().put("model", "local-llama").put("name", "full-length"))
        .bodyAsJsonObject();

    assertEquals(32_768, byName.getJsonObject("model_info").getInteger("llama.context_length"));
    assertEquals(4 * 8192, both.getJsonObject("model_info").getInteger("llama.context_length"));
  }

  @Test
  void ollamaShowAnswers404ForAModelThatIsNotConfigured() throws Exception {
    HttpResponse<Buffer> byModel = post("/api/show", new JsonObject().put("model", "mistral:7b"));
    HttpResponse<Buffer> byName = post("/api/show", new JsonObject().put("name", "gpt-4o"));

    assertEquals(404, byModel.statusCode());
    assertEquals(new JsonObject().put("error", "model 'mistral:7b' not found"), byModel.bodyAsJsonObject());
    assertEquals(404, byName.statusCode());
    assertEquals(new JsonObject().put("error", "model 'gpt-4o' not found"), byName.bodyAsJsonObject());
  }

  @Test
  void ollamaShowRejectsARequestWithoutAModelAsOllamaDoes() throws Exception {
    HttpResponse<Buffer> noModel = post("/api/show", new JsonObject().put("verbose", true));
    HttpResponse<Buffer> notJson = postRaw("/api/show", "model=local-llama");

    assertEquals(400, noModel.statusCode());
    assertEquals(new JsonObject().put("error", "model is required"), noModel.bodyAsJsonObject());
    assertEquals(400, notJson.statusCode());
    assertEquals(new JsonObject().put("error", "invalid request body"), notJson.bodyAsJsonObject());
  }

  @Test
  void infoRequestsAreRecordedAndCanBeFaultedLikeAnyProviderRequest() throws Exception {
    addFaults(new JsonObject().put("match", new JsonObject().put("path", "/props")).put("times", 1).put("status", 500));

    HttpResponse<Buffer> faulted = get("/props");
    HttpResponse<Buffer> next = get("/props");

    assertEquals(500, faulted.statusCode());
    assertEquals(200, next.statusCode());
    JsonArray seen = server.requests();
    assertEquals(2, seen.size());
    assertEquals("/props", seen.getJsonObject(0).getString("path"));
    assertEquals("fault", seen.getJsonObject(0).getString("outcome"));
    assertEquals("completed", seen.getJsonObject(1).getString("outcome"));
  }

  @Test
  void singleModelInfoIsUnavailableWhenNoModelIsConfigured() throws Exception {
    MockLlmServer empty = new MockLlmServer(vertx, MockLlmOptions.defaults().withModels(List.of()));
    int port = await(empty.start());
    try {
      for (String path : List.of("/props", "/info")) {
        HttpResponse<Buffer> response = await(client.get(port, HOST, path).send());

        assertEquals(503, response.statusCode(), path);
        assertEquals("mock-llm has no configured model",
            response.bodyAsJsonObject().getJsonObject("error").getString("message"), path);
      }
    } finally {
      await(empty.stop());
    }
  }
}
