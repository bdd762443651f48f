package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RequestLogTest extends MockLlmHttpTest {

  @Test
  void recordsEachRequestWithMaskedSecretsInOrder() throws Exception {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Authorization", "Bearer sk-proj-1234567890abcdef")
        .add("X-Api-Key", "sk-ant-api03-secretsecret-WXYZ")
        .add("api-key", "short")
        .add("X-Trace", "trace-1");
    await(send("/v1/chat/completions", openAiChat("gpt-4o", "first"), headers));
    postRaw("/v1/messages", "not json at all");

    JsonArray requests = get("/_mock/requests").bodyAsJsonArray();

    assertEquals(2, requests.size());
    JsonObject first = requests.getJsonObject(0);
    assertEquals(1L, first.getLong("seq"));
    assertEquals("POST", first.getString("method"));
    assertEquals("/v1/chat/completions", first.getString("path"));
    JsonObject recordedHeaders = first.getJsonObject("headers");
    assertEquals("Bear****cdef", recordedHeaders.getString("authorization"));
    assertEquals("sk-a****WXYZ", recordedHeaders.getString("x-api-key"));
    assertEquals("****", recordedHeaders.getString("api-key"));
    assertEquals("trace-1", recordedHeaders.getString("x-trace"));
    assertEquals(openAiChat("gpt-4o", "first"), first.getJsonObject("body"));
    assertNull(first.getValue("fault"));
    assertEquals("completed", first.getString("outcome"));
    assertTrue(Math.abs(System.currentTimeMillis() - first.getLong("receivedAt")) < 60_000);

    JsonObject second = requests.getJsonObject(1);
    assertEquals(2L, second.getLong("seq"));
    assertEquals("not json at all", second.getString("body"), "a body that is not JSON is kept as a string");
    assertEquals(400, second.getInteger("status"));
    assertEquals(requests, server.requests(), "the in-process view is the same JSON");
  }

  @Test
  void recordsTheFaultThatWasApplied() throws Exception {
    addFaults(new JsonObject().put("status", 503).put("match", new JsonObject().put("model", "gpt-4o")));

    post("/v1/chat/completions", openAiChat("gpt-4o", "Hi"));

    JsonObject logged = server.requests().getJsonObject(0);
    assertEquals("fault", logged.getString("outcome"));
    assertEquals(503, logged.getInteger("status"));
    assertEquals(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("times", 1)
        .put("status", 503), logged.getJsonObject("fault"));
  }

  @Test
  void marksASlowStreamClientClosedWhenTheClientDisconnects() throws Exception {
    HttpClient http = vertx.createHttpClient();

    await(http.request(HttpMethod.POST, server.port(), HOST, "/v1/chat/completions")
        .compose(request -> request.putHeader("x-mock-chunk-delay-ms", "200")
            .send(openAiChat("gpt-4o", "Hi").put("stream", true).toBuffer()))
        .compose(response -> response.request().connection().close()));
    await(eventually(() -> "client-closed".equals(server.requests().getJsonObject(0).getString("outcome"))));

    assertEquals(200, server.requests().getJsonObject(0).getInteger("status"));
  }

  @Test
  void stopEndsStreamsThatAreStillBeingPaced() throws Exception {
    HttpClient http = vertx.createHttpClient();
    await(http.request(HttpMethod.POST, server.port(), HOST, "/v1/chat/completions")
        .compose(request -> request.putHeader("x-mock-chunk-delay-ms", "5000")
            .send(openAiChat("gpt-4o", "Hi").put("stream", true).toBuffer())));

    long started = System.nanoTime();
    await(server.stop());

    assertTrue((System.nanoTime() - started) / 1_000_000 < 2000, "stop does not wait for the paced stream");
    await(eventually(() -> "client-closed".equals(server.requests().getJsonObject(0).getString("outcome"))));
  }

  @Test
  void resetClearsFaultsAndRecordedRequests() throws Exception {
    addFaults(new JsonObject().put("status", 500).put("times", -1));
    post("/v1/chat/completions", openAiChat("gpt-4o", "Hi"));

    assertEquals(new JsonObject().put("status", "ok"), post("/_mock/reset", new JsonObject()).bodyAsJsonObject());

    assertEquals(new JsonArray(), get("/_mock/faults").bodyAsJsonArray());
    assertEquals(200, post("/v1/chat/completions", openAiChat("gpt-4o", "Hi")).statusCode());
    assertEquals(1L, server.requests().getJsonObject(0).getLong("seq"), "numbering restarts");
  }
}
