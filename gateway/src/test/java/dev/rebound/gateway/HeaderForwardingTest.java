package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the upstream sees of the client's headers and body, and what the client sees of the upstream's. */
class HeaderForwardingTest {
  static GatewayHarness h;

  @BeforeAll
  static void start() {
    h = GatewayHarness.start();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static final String MESSAGE = "{\"model\":\"%s\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void providerAndUnknownXHeadersPassThroughButHopByHopAndGatewayControlsDoNot() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", CHAT,
        "OpenAI-Organization", "org-123", "OpenAI-Project", "proj-9", "x-trace-id", "trace-77",
        "x-rebound-checkpoint", "label-1", "Authorization", "Bearer client-secret-key");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject seen = h.lastUpstreamRequest().getJsonObject("headers");
    assertEquals("org-123", seen.getString("openai-organization"));
    assertEquals("proj-9", seen.getString("openai-project"));
    assertEquals("trace-77", seen.getString("x-trace-id"));
    assertFalse(seen.containsKey("x-rebound-checkpoint"), seen.encode());
    assertFalse(seen.containsKey("upgrade") || seen.containsKey("keep-alive") || seen.containsKey("te"), seen.encode());
  }

  @Test
  void theBackendsKeyReplacesTheClientsCredentials() throws Exception {
    h.post("/v1/chat/completions", CHAT, "Authorization", "Bearer client-secret-key", "x-api-key", "client-other-key");
    JsonObject seen = h.lastUpstreamRequest().getJsonObject("headers");
    // the mock masks secrets to their first and last four characters
    assertEquals("Bear****1234", seen.getString("authorization"), "upstream-openai-key-1234 replaced the client's");
    assertNull(seen.getString("x-api-key"));
    h.post("/v1/messages", MESSAGE.formatted("claude-sonnet-4-5"), "x-api-key", "client-anthropic-key", "anthropic-version", "2023-06-01",
        "anthropic-beta", "prompt-caching-2024-07-31");
    seen = h.lastUpstreamRequest().getJsonObject("headers");
    assertEquals("upst****5678", seen.getString("x-api-key"));
    assertEquals("2023-06-01", seen.getString("anthropic-version"));
    assertEquals("prompt-caching-2024-07-31", seen.getString("anthropic-beta"));
  }

  @Test
  void aPassClientKeyBackendReceivesTheClientsOwnKey() throws Exception {
    h.post("/v1/messages", MESSAGE.formatted("claude-byok"), "x-api-key", "sk-ant-users-own-key-9999", "anthropic-version", "2023-06-01");
    JsonObject seen = h.lastUpstreamRequest().getJsonObject("headers");
    assertEquals("sk-a****9999", seen.getString("x-api-key"));
  }

  @Test
  void anthropicVersionIsAddedWhenTheClientOmitsIt() throws Exception {
    h.post("/v1/messages", MESSAGE.formatted("claude-sonnet-4-5"));
    assertEquals("2023-06-01", h.lastUpstreamRequest().getJsonObject("headers").getString("anthropic-version"));
  }

  @Test
  void unknownJsonFieldsReachTheUpstreamUntouched() throws Exception {
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"x_note\":{\"keep\":[1,2.50,true]}}],"
        + "\"temperature\":0.70,\"vendor_extension\":{\"a\":\"b\"},\"seed\":12345678901234567890}";
    assertEquals(200, h.post("/v1/chat/completions", body).statusCode());
    JsonObject seen = h.lastUpstreamRequest().getJsonObject("body");
    assertEquals(new JsonObject(body), seen);
  }

  @Test
  void aRouteThatMapsTheModelSendsTheAgentsModelAndKeepsTheRestOfTheBody() throws Exception {
    String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"custom\":{\"x\":1}}";
    HttpResponse<String> r = h.post("/v1/chat/completions", body);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("assistant", r.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("gpt-family", r.headers().firstValue("x-rebound-route").orElseThrow());
    JsonObject seen = h.lastUpstreamRequest().getJsonObject("body");
    assertEquals("gpt-4o", seen.getString("model"));
    assertEquals(new JsonObject().put("x", 1), seen.getJsonObject("custom"));
  }

  @Test
  void theQueryStringReachesTheUpstream() throws Exception {
    h.post("/v1/messages?beta=true", MESSAGE.formatted("claude-sonnet-4-5"), "anthropic-version", "2023-06-01");
    JsonObject last = h.lastUpstreamRequest();
    assertTrue(last.getString("path").startsWith("/v1/messages"), last.encode());
  }

  @Test
  void anUpstreamErrorThatNoRetryCanFixComesBackWithItsStatusAndBody() throws Exception {
    JsonObject upstreamBody = new JsonObject().put("error", new JsonObject().put("message", "temperature: must be <= 2")
        .put("type", "invalid_request_error").put("param", "temperature").put("code", "invalid_value"));
    h.mock.addFaults(new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("match", new JsonObject().put("contains", "please-400")).put("status", 400).put("body", upstreamBody)));
    int before = h.upstreamRequests().size();
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"please-400\"}]}");
    assertEquals(400, r.statusCode());
    assertEquals(upstreamBody, new JsonObject(r.body()));
    assertEquals(before + 1, h.upstreamRequests().size(), "an invalid request is not retried");
  }

  @Test
  void aNonJsonUpstreamErrorIsAnsweredInTheClientsShapeAfterTheRetries() throws Exception {
    h.mock.addFaults(new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("match", new JsonObject().put("contains", "html-502")).put("times", 3)
        .put("status", 502).put("body", "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")));
    HttpResponse<String> r = h.post("/v1/messages",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"html-502\"}]}");
    assertEquals(502, r.statusCode(), r.body());
    assertEquals("3", r.headers().firstValue("x-rebound-attempts").orElseThrow());
    JsonObject body = new JsonObject(r.body());
    assertEquals("error", body.getString("type"));
    assertEquals("api_error", body.getJsonObject("error").getString("type"));
    assertTrue(body.getJsonObject("error").getString("message").contains("502"), r.body());
  }
}
