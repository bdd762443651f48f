package dev.rebound.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawClient;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Prompts larger than BodyHandler's 64 KB start are read whole, in few steps, and the limit still holds. */
class RequestBodyReaderTest {
  static final int LIMIT = 1024 * 1024;
  static GatewayHarness h;

  @BeforeAll
  static void start() {
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG.replace("maxBodyBytes: 65536", "maxBodyBytes: " + LIMIT));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void aBodyGrowsFourfoldWhileSmallThenTwofoldCappedAtItsLengthOrTheLimit() {
    int first = RequestBodyReader.FIRST_BYTES;
    long limit = 10_000_000;
    // a 200 KB prompt: 64 KB, then its whole length
    assertEquals(200_000, RequestBodyReader.grownCapacity(first, first + 1, 200_000, limit));
    // 3 MB: 256 KB, 1 MB, 2 MB, then 3 MB
    assertEquals(4 * first, RequestBodyReader.grownCapacity(first, first + 1, 3_000_000, limit));
    assertEquals(16 * first, RequestBodyReader.grownCapacity(4 * first, 4 * first + 1, 3_000_000, limit));
    assertEquals(32 * first, RequestBodyReader.grownCapacity(16 * first, 16 * first + 1, 3_000_000, limit));
    assertEquals(3_000_000, RequestBodyReader.grownCapacity(32 * first, 32 * first + 1, 3_000_000, limit));
    // a chunk larger than the step: at least what it needs
    assertEquals(900_000, RequestBodyReader.grownCapacity(first, 900_000, 3_000_000, limit));
    // no Content-Length: the same steps, never past the limit
    assertEquals(4096, RequestBodyReader.grownCapacity(1024, 1025, -1, limit));
    assertEquals(5000, RequestBodyReader.grownCapacity(1024, 5000, -1, limit));
    assertEquals(limit, RequestBodyReader.grownCapacity(8 * 1024 * 1024, 8 * 1024 * 1024 + 1, -1, limit));
  }

  @Test
  void aPromptOfSeveralHundredKilobytesReachesTheUpstreamWholeWithOrWithoutAContentLength() throws Exception {
    String text = prose(300_000);
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    HttpResponse<String> r = h.post("/v1/chat/completions", body);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(text, sentText());

    // chunked, in pieces of 50,000 bytes: no Content-Length to size it from
    String other = "another prompt " + prose(250_000);
    String chunkedBody = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + other + "\"}]}";
    String received = raw("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "transfer-encoding: chunked\r\n\r\n" + chunked(chunkedBody, 50_000));
    assertTrue(received.startsWith("HTTP/1.1 200 "), received.substring(0, Math.min(300, received.length())));
    assertEquals(other, sentText());
  }

  @Test
  void aBodyPastTheLimitIsA413InTheProtocolsShapeWhetherItsLengthWasDeclaredOrNot() throws Exception {
    String big = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\""
        + prose(LIMIT + 10) + "\"}]}";
    HttpResponse<String> declared = h.post("/v1/messages", big);
    assertEquals(413, declared.statusCode(), declared.body());
    assertEquals("request_too_large", new JsonObject(declared.body()).getJsonObject("error").getString("type"));

    int before = h.upstreamRequests().size();
    String received = raw("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "transfer-encoding: chunked\r\n\r\n" + chunked(big.replace("claude-sonnet-4-5", "gpt-4o"), 64_000));
    assertTrue(received.startsWith("HTTP/1.1 413 "), received.substring(0, Math.min(300, received.length())));
    JsonObject error = new JsonObject(RawClient.body(received)).getJsonObject("error");
    assertTrue(error.getString("message").contains("server.maxBodyBytes"), error.encode());
    assertEquals(before, h.upstreamRequests().size(), "nothing reached the upstream");
    assertEquals(200, h.get("/health").statusCode());
  }

  private static String sentText() {
    return h.lastUpstreamRequest().getJsonObject("body").getJsonArray("messages").getJsonObject(0).getString("content");
  }

  private static String raw(String request) {
    try (RawClient c = new RawClient(h.port)) {
      // the connection stays open: a close with bytes of the body still unread could reset it before the answer is read
      return c.send(request).readResponse(Duration.ofSeconds(20));
    }
  }

  private static String chunked(String body, int size) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < body.length(); i += size) {
      String piece = body.substring(i, Math.min(body.length(), i + size));
      b.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
    }
    return b.append("0\r\n\r\n").toString();
  }

  private static String prose(int chars) {
    StringBuilder b = new StringBuilder(chars + 16);
    for (int i = 0; b.length() < chars; i++) b.append("word").append(i % 997).append(' ');
    b.setLength(chars);
    return b.toString();
  }
}
