package dev.rebound.gateway.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode run(String line) throws IOException {
    String out = ClassificationReport.classifyJsonLine(FailureClassifierTest.CLASSIFIER, line);
    assertTrue(!out.contains("\n"), "one line: " + out);
    return JSON.readTree(out);
  }

  @Test
  void aLineYieldsKindWaitTokensProviderAndMessageInThatOrder() throws IOException {
    JsonNode out = run("{\"status\":429,\"headers\":{\"Retry-After-Ms\":\"1500\"},\"body\":\"{\\\"error\\\":{\\\"message\\\":"
        + "\\\"Rate limit reached\\\",\\\"code\\\":\\\"rate_limit_exceeded\\\"}}\",\"stream\":false}");
    assertEquals(List.of("kind", "retryAfterSeconds", "contextLimit", "requestedTokens", "promptTokens", "provider", "message"),
        iterable(out));
    assertEquals("RATE_LIMITED", out.get("kind").asText());
    assertEquals(1.5, out.get("retryAfterSeconds").asDouble(), 1e-9);
    assertTrue(out.get("contextLimit").isNull());
    assertEquals("Rate limit reached", out.get("message").asText());
  }

  @Test
  void aBodyGivenAsAJsonValueIsReadAsTheJsonTheServerSent() throws IOException {
    JsonNode out = run("{\"status\":400,\"body\":{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
        + "\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}}");
    assertEquals("CONTEXT_OVERFLOW", out.get("kind").asText());
    assertEquals(200000, out.get("contextLimit").asInt());
    assertEquals(210000, out.get("requestedTokens").asInt());
  }

  @Test
  void aStreamBodyIsSearchedForItsErrorEvent() throws IOException {
    JsonNode out = run("{\"status\":200,\"stream\":true,\"body\":\"event: message_start\\ndata: {\\\"type\\\":"
        + "\\\"message_start\\\",\\\"message\\\":{}}\\n\\nevent: error\\ndata: {\\\"type\\\":\\\"error\\\",\\\"error\\\":"
        + "{\\\"type\\\":\\\"api_error\\\",\\\"message\\\":\\\"Internal server error\\\"}}\\n\\n\"}");
    assertEquals("SERVER_ERROR", out.get("kind").asText());
  }

  @Test
  void headerValuesGivenAsArraysOrNumbersAreAccepted() throws IOException {
    JsonNode out = run("{\"status\":503,\"headers\":{\"retry-after\":[\"12\"]},\"body\":\"\"}");
    assertEquals("OVERLOADED", out.get("kind").asText());
    assertEquals(12, out.get("retryAfterSeconds").asDouble(), 1e-9);
    assertEquals(3, run("{\"status\":\"429\",\"headers\":{\"retry-after\":3}}").get("retryAfterSeconds").asInt());
  }

  @Test
  void unreadableLinesGiveAnErrorObjectInsteadOfThrowing() throws IOException {
    for (String bad : new String[] {"", "not json", "[1,2]", "{\"body\":\"x\"}", "{\"status\":\"abc\"}",
        "{\"status\":500,\"headers\":\"x\"}", "{\"status\":500,\"stream\":\"yes\"}", "{\"status\":5", null}) {
      JsonNode out = run(bad);
      assertTrue(out.hasNonNull("error"), "for " + bad + ": " + out);
    }
  }

  private static List<String> iterable(JsonNode n) {
    List<String> names = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
