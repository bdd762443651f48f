package dev.rebound.gateway.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateBudgetTest {
  static final Instant NOW = Instant.parse("2025-06-20T17:11:30Z");
  static final FailureClassifier CLASSIFIER = new FailureClassifier(Dialects.loadDefault(), Clock.fixed(NOW, ZoneOffset.UTC));

  static Map<String, String> fixtureHeaders(String id) throws Exception {
    for (String line : ProviderErrorSamples.lines()) {
      if (line.isBlank()) continue;
      JsonNode n = new ObjectMapper().readTree(line);
      if (!n.path("id").asText().equals(id)) continue;
      Map<String, String> h = new LinkedHashMap<>();
      n.path("headers").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
      return h;
    }
    throw new IllegalStateException("no fixture " + id);
  }

  @Test
  void openAiHeadersGiveEachLimitItsSizeWhatIsLeftAndWhenItRefills() throws Exception {
    RateBudget b = CLASSIFIER.rateBudget(fixtureHeaders("openai-chat-429-rate-limit-tpm").entrySet());
    assertEquals(NOW, b.seen());
    assertEquals(List.of(
        new RateBudget.Limit("requests", 500L, 499L, NOW.plusMillis(120)),
        new RateBudget.Limit("tokens", 30000L, 15433L, NOW.plusMillis(18_642))), b.limits());
  }

  @Test
  void anthropicHeadersWithAnRfc3339ResetAndALimitWithoutOne() throws Exception {
    RateBudget b = CLASSIFIER.rateBudget(fixtureHeaders("anthropic-429-rate-limit-input-tpm").entrySet());
    assertEquals(List.of(
        new RateBudget.Limit("input-tokens", 20000L, 0L, Instant.parse("2025-06-20T17:12:00Z")),
        new RateBudget.Limit("requests", 50L, 49L, null)), b.limits());
  }

  @Test
  void openRouterUnnamedHeadersAreTheRequestLimitAndItsEpochMillisReset() {
    RateBudget b = CLASSIFIER.rateBudget(Map.of("X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "3",
        "X-RateLimit-Reset", String.valueOf(NOW.plusSeconds(40).toEpochMilli())).entrySet());
    assertEquals(List.of(new RateBudget.Limit("requests", 20L, 3L, NOW.plusSeconds(40))), b.limits());
  }

  @Test
  void answersThatSayNothingAboutLimitsOrSayItIllegiblyGiveNoBudget() {
    assertNull(CLASSIFIER.rateBudget(Map.of("content-type", "application/json", "server", "vllm").entrySet()));
    assertNull(CLASSIFIER.rateBudget(null));
    RateBudget garbled = CLASSIFIER.rateBudget(Map.of("x-ratelimit-remaining-tokens", "lots").entrySet());
    assertNull(garbled, "a count that is no number says nothing");
  }
}
