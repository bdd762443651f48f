package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Scripted faults over HTTP: what a client of the mock sees for each kind. */
class FaultScriptTest extends MockLlmHttpTest {

  private static final String OPENAI = "/v1/chat/completions";
  private static final String ANTHROPIC = "/v1/messages";

  @Test
  void answersAScriptedStatusWithItsHeadersAndBody() throws Exception {
    addFaults(new JsonObject().put("status", 429)
        .put("headers", new JsonObject().put("retry-after", "7").put("x-ratelimit-remaining-requests", 0))
        .put("body", new JsonObject().put("error", new JsonObject().put("message", "slow down"))));

    HttpResponse<Buffer> response = post(OPENAI, openAiChat("gpt-4o", "Hi"));

    assertEquals(429, response.statusCode());
    assertEquals("7", response.getHeader("retry-after"));
    assertEquals("0", response.getHeader("x-ratelimit-remaining-requests"));
    assertEquals("application/json", response.getHeader("content-type"));
    assertEquals("slow down", response.bodyAsJsonObject().getJsonObject("error").getString("message"));
  }

  @Test
  void usesTheProvidersOwnErrorBodyWhenOnlyAStatusIsGiven() throws Exception {
    addFaults(new JsonArray()
        .add(new JsonObject().put("match", new JsonObject().put("path", OPENAI)).put("status", 429))
        .add(new JsonObject().put("match", new JsonObject().put("path", ANTHROPIC)).put("status", 529)));

    JsonObject openAi = post(OPENAI, openAiChat("gpt-4o", "Hi")).bodyAsJsonObject();
    HttpResponse<Buffer> anthropic = post(ANTHROPIC, anthropicMessage("claude-sonnet-4-5", "Hi"));

    assertEquals("rate_limit_exceeded", openAi.getJsonObject("error").getString("code"));
    assertTrue(openAi.getJsonObject("error").getString("message").startsWith("Rate limit reached for gpt-4o"));
    assertEquals(529, anthropic.statusCode());
    assertEquals(new JsonObject().put("type", "error").put("error",
        new JsonObject().put("type", "overloaded_error").put("message", "Overloaded")), anthropic.bodyAsJsonObject());
  }

  @Test
  void sendsAStringBodyRawWithAContentTypeThatFitsIt() throws Exception {
    addFaults(new JsonArray()
        .add(new JsonObject().put("status", 502).put("body", "<html><body>Bad Gateway</body></html>"))
        .add(new JsonObject().put("status", 503).put("body", "upstream connect error")));

    HttpResponse<Buffer> html = post(OPENAI, openAiChat("gpt-4o", "Hi"));
    HttpResponse<Buffer> text = post(OPENAI, openAiChat("gpt-4o", "Hi"));

    assertEquals(502, html.statusCode());
    assertTrue(html.getHeader("content-type").startsWith("text/html"));
    assertEquals("<html><body>Bad Gateway</body></html>", html.bodyAsString());
    assertEquals(503, text.statusCode());
    assertTrue(text.getHeader("content-type").startsWith("text/plain"));
    assertEquals("upstream connect error", text.bodyAsString());
  }

  @Test
  void appliesAFaultOnlyAsManyTimesAsScripted() throws Exception {
    addFaults(new JsonObject().put("status", 500).put("times", 2));

    assertEquals(500, post(OPENAI, openAiChat("gpt-4o", "Hi")).statusCode());
    assertEquals(500, post(OPENAI, openAiChat("gpt-4o", "Hi")).statusCode());
    assertEquals(200, post(OPENAI, openAiChat("gpt-4o", "Hi")).statusCode());
  }

  @Test
  void keepsAnUnlimitedFaultAndChecksFaultsInOrder() throws Exception {
    addFaults(new JsonArray()
        .add(new JsonObject().put("status", 503).put("times", -1))
        .add(new JsonObject().put("status", 500)));

    for (int i = 0; i < 3; i++) {
      assertEquals(503, post(OPENAI, openAiChat("gpt-4o", "Hi")).statusCode());
    }
    assertEquals(2, get("/_mock/faults").bodyAsJsonArray().size(), "the unlimited fault shadows the second");
  }

  @Test
  void appliesAFaultOnlyToRequestsMatchingPathModelAndBodyText() throws Exception {
    addFaults(new JsonObject().put("status", 418).put("match", new JsonObject()
        .put("path", ANTHROPIC).put("model", "claude-sonnet-4-5").put("contains", "magic word")));

    assertEquals(200, post(OPENAI, openAiChat("claude-sonnet-4-5", "the magic word")).statusCode());
    assertEquals(200, post(ANTHROPIC, anthropicMessage("other-model", "the magic word")).statusCode());
    assertEquals(200, post(ANTHROPIC, anthropicMessage("claude-sonnet-4-5", "no match")).statusCode());
    assertEquals(418, post(ANTHROPIC, anthropicMessage("claude-sonnet-4-5", "the magic word")).statusCode());
    assertEquals(200, post(ANTHROPIC, anthropicMessage("claude-sonnet-4-5", "the magic word")).statusCode());
  }

  @Test
  void cutAfterChunksClosesTheConnectionMidStream() throws Exception {
    addFaults(new JsonObject().put("cutAfterChunks", 3));

    Future<HttpResponse<Buffer>> response = send(OPENAI, openAiChat("gpt-4o", "Hi").put("stream", true),
        MultiMap.caseInsensitiveMultiMap());

    ExecutionException failure = assertThrows(ExecutionException.class, () -> response.toCompletionStage()
        .toCompletableFuture().get());
    assertTrue(failure.getCause().getMessage().toLowerCase().contains("closed"), failure.getCause().toString());
    JsonObject logged = server.requests().getJsonObject(0);
    assertEquals("cut", logged.getString("outcome"));
    assertEquals(200, logged.getInteger("status"));
  }

  @Test
  void cutAfterChunksSendsExactlyThatManyChunksBeforeClosing() throws Exception {
    addFaults(new JsonObject().put("cutAfterChunks", 2));
    Streamed received = postAndCollect(ANTHROPIC, anthropicMessage("claude-sonnet-4-5", "Hi").put("stream", true).toBuffer());

    assertTrue(received.failure() != null, "the stream does not end cleanly");
    List<String> names = sse(received.text()).stream().map(SseEvent::event).toList();
    assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta",
        "content_block_delta"), names);
  }

  @Test
  void cutAfterChunksOnANonStreamingAnswerSendsPartOfTheBody() throws Exception {
    addFaults(new JsonObject().put("cutAfterChunks", 1));

    Future<HttpResponse<Buffer>> response = send(OPENAI, openAiChat("gpt-4o", "Hi"), MultiMap.caseInsensitiveMultiMap());

    assertThrows(ExecutionException.class, () -> response.toCompletionStage().toCompletableFuture().get());
    assertEquals("cut", server.requests().getJsonObject(0).getString("outcome"));
  }

  @Test
  void streamErrorAfterChunksSendsAnthropicsOverloadedEventAndEnds() throws Exception {
    addFaults(new JsonObject().put("streamErrorAfterChunks", 2));

    HttpResponse<Buffer> response = post(ANTHROPIC, anthropicMessage("claude-sonnet-4-5", "Hi").put("stream", true));

    List<SseEvent> events = sse(response.bodyAsString());
    assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
        "error"), events.stream().map(SseEvent::event).toList());
    assertEquals(new JsonObject().put("type", "error").put("error",
        new JsonObject().put("type", "overloaded_error").put("message", "Overloaded")), events.get(5).json());
    assertEquals("fault", server.requests().getJsonObject(0).getString("outcome"));
  }

  @Test
  void streamErrorAfterChunksSendsOpenAisErrorDataOrTheScriptedEvent() throws Exception {
    addFaults(new JsonArray()
        .add(new JsonObject().put("streamErrorAfterChunks", 1))
        .add(new JsonObject().put("streamErrorAfterChunks", 0).put("event", "event: error\ndata: {\"custom\":true}\n\n"))
        .add(new JsonObject().put("streamErrorAfterChunks", 0)
            .put("event", new JsonObject().put("error", new JsonObject().put("message", "boom")))));
    JsonObject request = openAiChat("gpt-4o", "Hi").put("stream", true);

    List<SseEvent> byDefault = sse(post(OPENAI, request).bodyAsString());
    List<SseEvent> raw = sse(post(OPENAI, request).bodyAsString());
    List<SseEvent> json = sse(post(OPENAI, request).bodyAsString());

    assertEquals(2, byDefault.size());
    assertEquals(new JsonObject().put("error", new JsonObject()
        .put("message", "The server had an error while processing your request.").put("type", "server_error")),
        byDefault.get(1).json());
    assertEquals(List.of(new SseEvent("error", "{\"custom\":true}")), raw);
    assertEquals(List.of(new SseEvent(null, "{\"error\":{\"message\":\"boom\"}}")), json);
  }

  @Test
  void delayMsHoldsBackTheResponseHeaders() throws Exception {
    addFaults(new JsonObject().put("delayMs", 300));

    long started = System.nanoTime();
    HttpResponse<Buffer> response = post(OPENAI, openAiChat("gpt-4o", "Hi"));
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;

    assertEquals(200, response.statusCode());
    assertTrue(elapsedMs >= 300, "took " + elapsedMs + " ms");
    assertEquals("completed", server.requests().getJsonObject(0).getString("outcome"));
  }

  @Test
  void stallMsPausesTheStreamAfterTheGivenChunksThenCarriesOn() throws Exception {
    addFaults(new JsonObject().put("stallMs", 300).put("stallAfterChunks", 4));
    long started = System.nanoTime();
    Streamed received = postAndCollect(OPENAI, openAiChat("gpt-4o", "Hi").put("stream", true).toBuffer());
    long totalMs = (System.nanoTime() - started) / 1_000_000;

    assertEquals(null, received.failure());
    // a loaded machine may read the first chunks late, so only the whole exchange is timed: it holds the stall
    assertTrue(totalMs >= 290, "the stream paused for the stall, took " + totalMs + " ms");
    List<SseEvent> events = sse(received.text());
    assertEquals("[DONE]", events.get(events.size() - 1).data());
    assertEquals(14, events.size(), "the whole stream arrives after the stall");
  }

  @Test
  void rejectsAFaultWithAnUnknownFieldOrBadValue() throws Exception {
    HttpResponse<Buffer> typo = await(client.post(server.port(), HOST, "/_mock/faults")
        .sendJson(new JsonArray().add(new JsonObject().put("status", 500)).add(new JsonObject().put("cutAfterChunk", 2))));
    HttpResponse<Buffer> badStatus = await(client.post(server.port(), HOST, "/_mock/faults")
        .sendJsonObject(new JsonObject().put("status", "soon")));

    assertEquals(400, typo.statusCode());
    assertTrue(typo.bodyAsJsonObject().getJsonObject("error").getString("message").startsWith("[1].cutAfterChunk:"));
    assertEquals(400, badStatus.statusCode());
    assertEquals("status: must be an integer in 100..599, got \"soon\"",
        badStatus.bodyAsJsonObject().getJsonObject("error").getString("message"));
    assertEquals(0, get("/_mock/faults").bodyAsJsonArray().size(), "nothing from a rejected post is armed");
  }

  @Test
  void addFaultsInProcessBehavesLikeThePost() throws Exception {
    server.addFaults(new JsonArray().add(new JsonObject().put("status", 401)));

    HttpResponse<Buffer> response = post(ANTHROPIC, anthropicMessage("claude-sonnet-4-5", "Hi"));

    assertEquals(401, response.statusCode());
    assertEquals("authentication_error", response.bodyAsJsonObject().getJsonObject("error").getString("type"));
    assertFalse(server.requests().getJsonObject(0).getJsonObject("fault").isEmpty());
  }
}
