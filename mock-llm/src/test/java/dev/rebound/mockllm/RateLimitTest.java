package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A provider's request rate limit: reported on each answer in the provider's headers, a 429 past it. */
class RateLimitTest extends MockLlmHttpTest {
  static final JsonObject CHAT = new JsonObject().put("model", "gpt-4o")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));

  @Test
  void answersReportWhatIsLeftOfTheWindowAndTheOneAfterTheLimitIsA429() throws Exception {
    server.rateLimit(2, 60_000);
    HttpResponse<Buffer> one = post("/v1/chat/completions", CHAT);
    HttpResponse<Buffer> two = post("/v1/chat/completions", CHAT);
    HttpResponse<Buffer> three = post("/v1/chat/completions", CHAT);
    assertEquals(200, one.statusCode());
    assertEquals("2", one.getHeader("x-ratelimit-limit-requests"));
    assertEquals("1", one.getHeader("x-ratelimit-remaining-requests"));
    assertTrue(one.getHeader("x-ratelimit-reset-requests").endsWith("ms"));
    assertEquals("0", two.getHeader("x-ratelimit-remaining-requests"));
    assertEquals(429, three.statusCode());
    assertTrue(Long.parseLong(three.getHeader("retry-after-ms")) > 0);
  }

  @Test
  void anthropicAnswersReportTheirLimitInAnthropicsHeaders() throws Exception {
    server.rateLimit(5, 60_000);
    HttpResponse<Buffer> r = post("/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 10)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))));
    assertEquals(200, r.statusCode());
    assertEquals("4", r.getHeader("anthropic-ratelimit-requests-remaining"));
    assertTrue(Instant.parse(r.getHeader("anthropic-ratelimit-requests-reset")).isAfter(Instant.now()));
  }

  @Test
  void aResetTurnsTheLimitOff() throws Exception {
    server.rateLimit(1, 60_000);
    post("/v1/chat/completions", CHAT);
    server.reset();
    assertEquals(200, post("/v1/chat/completions", CHAT).statusCode());
    assertEquals(null, post("/v1/chat/completions", CHAT).getHeader("x-ratelimit-remaining-requests"));
  }
}
