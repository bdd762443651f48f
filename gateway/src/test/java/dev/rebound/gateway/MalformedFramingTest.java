package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests whose HTTP framing is broken or ambiguous, written byte for byte on a raw socket: each gets one JSON error
 * in a protocol's shape and the connection closes, so no byte after the fault is read as a request of its own.
 */
class MalformedFramingTest {
  static final Duration WITHIN = Duration.ofSeconds(5);
  static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static GatewayHarness h;
  static final List<LogRecord> severe = new CopyOnWriteArrayList<>();
  static final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.SEVERE.intValue()) severe.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  static void start() {
    h = GatewayHarness.start();
    Logger.getLogger("").addHandler(capture);
  }

  @AfterAll
  static void stop() {
    Logger.getLogger("").removeHandler(capture);
    h.close();
  }

  @BeforeEach
  void clearLog() {
    severe.clear();
  }

  static String exchange(String bytes) {
    try (RawClient c = new RawClient(h.port)) {
      return c.send(bytes).readUntilClosed(WITHIN);
    }
  }

  /** The one response in {@code received}, checked for status and OpenAI's error shape; returns the error object. */
  static JsonObject openAiError(String received, int status) {
    assertEquals(1, RawClient.responses(received), received);
    assertTrue(received.startsWith("HTTP/1.1 " + status + " ") || received.startsWith("HTTP/1.0 " + status + " "), received);
    assertTrue(received.toLowerCase().contains("content-type: application/json"), received);
    JsonObject err = new JsonObject(RawClient.body(received)).getJsonObject("error");
    assertTrue(err.containsKey("message") && err.containsKey("type") && err.containsKey("code"), received);
    return err;
  }

  static JsonObject anthropicError(String received, int status) {
    assertEquals(1, RawClient.responses(received), received);
    assertTrue(received.startsWith("HTTP/1.1 " + status + " ") || received.startsWith("HTTP/1.0 " + status + " "), received);
    JsonObject body = new JsonObject(RawClient.body(received));
    assertEquals("error", body.getString("type"), received);
    return body.getJsonObject("error");
  }

  @Test
  void aRequestWithBothContentLengthAndTransferEncodingIsA400AndWhatFollowsIsNeverServed() {
    int before = h.upstreamRequests().size();
    // a front proxy that framed this by Content-Length forwards the GET as body; read by Transfer-Encoding it would be
    // a second request of its own
    String smuggled = "GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n";
    String body = "0\r\n\r\n" + smuggled;
    String received = exchange("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "content-length: " + body.length() + "\r\ntransfer-encoding: chunked\r\n\r\n" + body);
    JsonObject err = openAiError(received, 400);
    assertTrue(err.getString("message").contains("both Content-Length and Transfer-Encoding"), err.encode());
    assertFalse(received.contains("\"object\":\"list\""), "the smuggled request was served: " + received);
    assertEquals(before, h.upstreamRequests().size(), "nothing reached the upstream");
  }

  @Test
  void anAmbiguousRequestOnAnAnthropicPathGetsTheAnthropicShape() {
    String received = exchange("POST /v1/messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n"
        + "content-length: 5\r\n\r\n0\r\n\r\n");
    JsonObject err = anthropicError(received, 400);
    assertEquals("invalid_request_error", err.getString("type"));
    assertTrue(err.getString("message").contains("Transfer-Encoding"), err.encode());
  }

  @Test
  void aTransferEncodingThatDoesNotEndInChunkedIsA400() {
    JsonObject err = openAiError(exchange("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n"
        + "content-type: application/json\r\ntransfer-encoding: gzip\r\n\r\n" + CHAT), 400);
    assertTrue(err.getString("message").contains("Transfer-Encoding"), err.encode());
    openAiError(exchange("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "transfer-encoding: chunked, gzip\r\n\r\n0\r\n\r\n"), 400);
  }

  @Test
  void transferEncodingOnHttp10IsA400() {
    String received = exchange("POST /v1/chat/completions HTTP/1.0\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "transfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n");
    JsonObject err = openAiError(received, 400);
    assertTrue(err.getString("message").contains("Transfer-Encoding"), err.encode());
  }

  @Test
  void differingContentLengthsAreA400() {
    openAiError(exchange("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "content-length: " + CHAT.length() + "\r\ncontent-length: 3\r\n\r\n" + CHAT), 400);
  }

  @Test
  void anInvalidChunkSizeIsA400InTheClientsShapeAndLogsNoStackTrace() throws Exception {
    String received = exchange("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "transfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    JsonObject err = anthropicError(received, 400);
    assertTrue(err.getString("message").toLowerCase().contains("chunk"), err.encode());
    // the gateway handles every connection on one event loop: once another request is answered, the closed
    // connection's aftermath has run
    assertEquals(200, h.get("/health").statusCode());
    assertEquals(List.of(), severe.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
  }

  @Test
  void aUriLongerThanTheLimitIsA414WithAJsonBody() {
    String received = exchange("GET /v1/models?pad=" + "a".repeat(5000) + " HTTP/1.1\r\nhost: x\r\n\r\n");
    JsonObject err = openAiError(received, 414);
    assertTrue(err.getString("message").contains("URI"), err.encode());
  }

  @Test
  void headersLargerThanTheLimitAreA431InTheShapeOfThePathsProtocol() {
    String received = exchange("POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-pad: " + "a".repeat(10_000)
        + "\r\ncontent-length: 2\r\n\r\n{}");
    JsonObject err = anthropicError(received, 431);
    assertTrue(err.getString("message").contains("headers"), err.encode());
  }

  @Test
  void anUnsupportedExpectationIsA417WithAJsonBody() {
    String received = exchange("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        + "expect: tea\r\ncontent-length: " + CHAT.length() + "\r\n\r\n" + CHAT);
    JsonObject err = openAiError(received, 417);
    assertTrue(err.getString("message").contains("Expect"), err.encode());
  }

  @Test
  void aGarbledRequestLineIsA400WithAJsonBody() {
    openAiError(exchange("HELLO THERE\r\n\r\n"), 400);
  }

  @Test
  void aWellFormedChunkedRequestIsStillServedAndTheConnectionKeptAlive() {
    String chunk = Integer.toHexString(CHAT.length()) + "\r\n" + CHAT + "\r\n0\r\n\r\n";
    try (RawClient c = new RawClient(h.port)) {
      String first = c.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
          + "transfer-encoding: chunked\r\n\r\n" + chunk).readResponse(WITHIN);
      assertTrue(first.startsWith("HTTP/1.1 200 "), first);
      String second = c.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n").readResponse(WITHIN);
      assertTrue(second.startsWith("HTTP/1.1 200 "), second);
    }
  }
}
