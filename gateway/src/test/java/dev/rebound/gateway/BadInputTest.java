package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear 4xx in the client's own protocol shape, never a 500 or a hang, and never reaches upstream. */
class BadInputTest {
  static GatewayHarness h;

  @BeforeAll
  static void start() {
    h = GatewayHarness.start();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** OpenAI shape: {"error":{"message","type","param","code"}}. */
  static JsonObject openAiError(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    JsonObject err = new JsonObject(r.body()).getJsonObject("error");
    assertTrue(err.containsKey("message") && err.containsKey("type") && err.containsKey("param") && err.containsKey("code"), r.body());
    return err;
  }

  /** Anthropic shape: {"type":"error","error":{"type","message"}}. */
  static JsonObject anthropicError(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals("error", body.getString("type"), r.body());
    JsonObject err = body.getJsonObject("error");
    assertTrue(err.containsKey("type") && err.containsKey("message"), r.body());
    return err;
  }

  @Test
  void malformedJsonIsA400SayingWhere() throws Exception {
    JsonObject e = openAiError(h.post("/v1/chat/completions", "{\"model\": \"gpt-4o\", \"messages\": ["), 400);
    assertTrue(e.getString("message").contains("not valid JSON"), e.encode());
    JsonObject a = anthropicError(h.post("/v1/messages", "{nope"), 400);
    assertEquals("invalid_request_error", a.getString("type"));
  }

  @Test
  void aWrongContentTypeIsA415() throws Exception {
    JsonObject e = openAiError(h.post("/v1/chat/completions", "model=gpt-4o", "content-type", "application/x-www-form-urlencoded"), 415);
    assertTrue(e.getString("message").contains("application/json"));
    anthropicError(h.post("/v1/messages", "hello", "content-type", "text/plain"), 415);
  }

  @Test
  void missingModelOrMessagesNameTheField() throws Exception {
    JsonObject e = openAiError(h.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400);
    assertEquals("model", e.getString("param"));
    e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\"}"), 400);
    assertEquals("messages", e.getString("param"));
    JsonObject a = anthropicError(h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400);
    assertTrue(a.getString("message").startsWith("max_tokens"), a.encode());
  }

  @Test
  void wrongTypesNameTheFieldAndTheExpectedType() throws Exception {
    JsonObject e = openAiError(h.post("/v1/chat/completions", "{\"model\":42,\"messages\":[]}"), 400);
    assertEquals("model: must be a string.", e.getString("message"));
    e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":\"hi\"}"), 400);
    assertTrue(e.getString("message").startsWith("messages: must be an array"));
    e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400);
    assertEquals("stream", e.getString("param"));
    e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"content\":\"x\"}]}"), 400);
    assertEquals("messages[0].role", e.getString("param"));
    JsonObject a = anthropicError(h.post("/v1/messages",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":\"many\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400);
    assertEquals("max_tokens: must be an integer.", a.getString("message"));
    a = anthropicError(h.post("/v1/messages", "[1,2,3]"), 400);
    assertEquals("The request body must be a JSON object.", a.getString("message"));
  }

  static final String[] OUT_OF_RANGE = {"2147483648", "1e40", "-1", "0", "99999999999999999999999999999", "-1e400"};
  static final String[] NOT_INTEGERS = {"2.5", "1e-3", "\"many\"", "true", "[]", "{}"};

  @Test
  void outOfRangeOrNonIntegerTokenLimitsAreA400NamingTheFieldAndNeverReachTheUpstream() throws Exception {
    int before = h.upstreamRequests().size();
    String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
    for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
      for (String v : OUT_OF_RANGE) {
        JsonObject e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"" + field + "\":" + v + "," + msgs + "}"), 400);
        assertEquals(field, e.getString("param"), e.encode());
        assertTrue(e.getString("message").startsWith(field + ": must be an integer from 1 to 2147483647, but was "), e.encode());
      }
      for (String v : NOT_INTEGERS) {
        JsonObject e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"" + field + "\":" + v + "," + msgs + "}"), 400);
        assertEquals(field + ": must be an integer.", e.getString("message"), v);
      }
    }
    for (String v : OUT_OF_RANGE) {
      JsonObject a = anthropicError(h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":" + v + "," + msgs + "}"), 400);
      assertTrue(a.getString("message").startsWith("max_tokens: must be an integer from 1 to 2147483647"), a.encode());
      anthropicError(h.post("/v1/messages/count_tokens", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":" + v + "," + msgs + "}"), 400);
    }
    for (String v : new String[] {"0", "-3", "129", "4294967297", "1e40", "1.5"}) {
      JsonObject e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"n\":" + v + "," + msgs + "}"), 400);
      assertEquals("n", e.getString("param"), e.encode());
    }
    assertEquals(before, h.upstreamRequests().size(), "bad input never reaches the upstream");
    // the largest limit allowed is served: lowered to what the window leaves
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":2147483647," + msgs + "}");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-rebound-context").orElse("").startsWith("max-tokens-lowered"), r.headers().map().toString());
    healthAnswersOk();
  }

  @Test
  void aBodyOverTheLimitIsA413InTheProtocolsShape() throws Exception {
    String big = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}";
    JsonObject e = openAiError(h.post("/v1/chat/completions", big), 413);
    assertTrue(e.getString("message").contains("server.maxBodyBytes"), e.encode());
    JsonObject a = anthropicError(h.post("/v1/messages", big), 413);
    assertEquals("request_too_large", a.getString("type"));
  }

  @Test
  void anUnknownPathIsA404ThatListsTheEndpoints() throws Exception {
    JsonObject e = openAiError(h.post("/v1/completions", "{}"), 404);
    assertTrue(e.getString("message").contains("/v1/chat/completions"), e.encode());
    JsonObject a = anthropicError(h.get("/v2/things", "anthropic-version", "2023-06-01"), 404);
    assertEquals("not_found_error", a.getString("type"));
  }

  @Test
  void anUnknownModelIsA404ListingTheKnownModels() throws Exception {
    int before = h.upstreamRequests().size();
    JsonObject e = openAiError(h.post("/v1/chat/completions", "{\"model\":\"llama-3-70b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404);
    assertEquals("model_not_found", e.getString("code"));
    assertTrue(e.getString("message").contains("llama-3-70b") && e.getString("message").contains("gpt-4o")
        && e.getString("message").contains("assistant"), e.getString("message"));
    JsonObject a = anthropicError(h.post("/v1/messages",
        "{\"model\":\"mistral-large\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404);
    assertTrue(a.getString("message").contains("claude-sonnet-4-5"), a.encode());
    assertEquals(before, h.upstreamRequests().size(), "bad input never reaches the upstream");
  }

  static String chat(String model) {
    return new JsonObject().put("model", model)
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", "x"))).encode();
  }

  static String message(String model) {
    return new JsonObject(chat(model)).put("max_tokens", 5).encode();
  }

  @Test
  void aModelWithALineTerminatorIsServedOrAnUnknownModelNeverA500() throws Exception {
    for (String end : new String[] {"\n", "\r", "\u0085", "\u2028", "\r\n"}) {
      String what = "model ending in U+" + Integer.toHexString(end.charAt(0));
      HttpResponse<String> served = h.post("/v1/chat/completions", chat("gpt-" + end));
      assertEquals(200, served.statusCode(), what + ": " + served.body());
      assertEquals("assistant", served.headers().firstValue("x-rebound-agent").orElseThrow(), what);
      assertEquals(200, h.post("/v1/messages", message("claude-sonnet-" + end)).statusCode(), what);
      JsonObject e = openAiError(h.post("/v1/chat/completions", chat(end + "gpt-4o")), 404);
      assertEquals("model_not_found", e.getString("code"), what);
      assertTrue(e.getString("message").contains("Known models: ") && e.getString("message").contains("gpt-4o"), e.encode());
      JsonObject a = anthropicError(h.post("/v1/messages", message("claude" + end)), 404);
      assertTrue(a.getString("message").contains("claude-sonnet-4-5"), a.encode());
    }
    healthAnswersOk();
  }

  @Test
  void thousandsOfDistinctLongModelNamesLeaveTheCachesBounded() throws Exception {
    java.util.Random random = new java.util.Random(13);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Integer>> statuses = new java.util.ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        char[] name = new char[1024 + random.nextInt(3 * 1024)];
        for (int j = 0; j < name.length; j++) name[j] = (char) ('a' + random.nextInt(26));
        // one in ten is served (gpt-*) in a session of its own; the rest are unknown models
        boolean served = i % 10 == 0;
        String model = (served ? "gpt-" : "") + new String(name);
        String session = "many-" + i;
        statuses.add(pool.submit(() -> served
            ? h.post("/v1/chat/completions", chat(model), "x-session-id", session).statusCode()
            : h.post("/v1/chat/completions", chat(model)).statusCode()));
      }
      for (int i = 0; i < statuses.size(); i++) assertEquals(i % 10 == 0 ? 200 : 404, statuses.get(i).get(), "request " + i);
    } finally {
      pool.shutdownNow();
    }
    java.util.Map<String, Long> sizes = h.gateway.cacheSizes();
    assertTrue(sizes.get("tokenizers") <= 21, "one tokenizer per rule at most, not per model name: " + sizes);
    assertTrue(sizes.get("tokenCounts") <= 200_000, sizes.toString());
    assertEquals(500L, sizes.get("sessions"), sizes.toString());
    assertEquals(1_000L, sizes.get("sessionMessages"), "a user and an assistant message each: " + sizes);
    healthAnswersOk();
  }

  @Test
  void aLoneSurrogateInTheTextIsCountedAndServedLikeAnyOtherCharacter() throws Exception {
    // JSON lets a client escape half a surrogate pair; the tokenizer reads UTF-8, which has no such character
    String text = "broken \\ud83d pair and \\ude00 tail";
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}");
    assertEquals(200, r.statusCode(), r.body());
    r = h.post("/v1/messages/count_tokens",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}",
        "anthropic-version", "2023-06-01");
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void aModelServedOnlyInTheOtherProtocolIsServedThroughTranslationInTheClientsShape() throws Exception {
    var r = h.post("/v1/messages", "{\"model\":\"gpt-4o\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("message", new JsonObject(r.body()).getString("type"), r.body());
  }

  @Test
  void anInvalidSessionIdIsA400() throws Exception {
    JsonObject e = openAiError(h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "x-session-id", "no spaces allowed"), 400);
    assertTrue(e.getString("message").contains("X-Session-Id"), e.encode());
    openAiError(h.post("/s/" + "a".repeat(129) + "/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400);
  }

  @Test
  void theWrongMethodIsA405() throws Exception {
    openAiError(h.get("/v1/chat/completions"), 405);
  }

  @Test
  void modelsAreListedInTheClientsProtocolShape() throws Exception {
    HttpResponse<String> r = h.get("/v1/models");
    assertEquals(200, r.statusCode());
    JsonObject list = new JsonObject(r.body());
    assertEquals("list", list.getString("object"));
    assertTrue(list.getJsonArray("data").stream().anyMatch(m -> ((JsonObject) m).getString("id").equals("gpt-4o")));
    JsonObject anthropic = new JsonObject(h.get("/v1/models", "anthropic-version", "2023-06-01").body());
    assertEquals(false, anthropic.getBoolean("has_more"));
    assertEquals("model", anthropic.getJsonArray("data").getJsonObject(0).getString("type"));
  }

  @Test
  void healthAnswersOk() throws Exception {
    HttpResponse<String> r = h.get("/health");
    assertEquals(200, r.statusCode());
    assertEquals("ok", new JsonObject(r.body()).getString("status"));
  }
}
