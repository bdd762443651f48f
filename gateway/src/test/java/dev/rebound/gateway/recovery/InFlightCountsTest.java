package dev.rebound.gateway.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InFlightCountsTest {
  final InFlightCounts counts = new InFlightCounts(agent -> agent.startsWith("c") ? "claude-api" : "openai-api");

  @Test
  void ownRequestsCountAsTheyStartAndEndAndMarkTheirBackendChangedOnce() {
    counts.started("gpt");
    counts.started("gpt");
    counts.started("claude");
    counts.ended("gpt");
    assertEquals(1, counts.of("gpt"));
    assertEquals(Set.of("openai-api", "claude-api"), counts.takeChanged());
    assertEquals(Set.of(), counts.takeChanged(), "each change is shared once");
    assertEquals(Map.of("gpt", 1), counts.ownOf("openai-api"));
  }

  @Test
  void whatOtherGatewaysSayAddsToTheOwnCountUntilTheySayMoreOrFallSilent() {
    counts.started("gpt");
    counts.heard("b", "openai-api", Map.of("gpt", 3), 1_000);
    counts.heard("c", "openai-api", Map.of("gpt", 2), 1_000);
    assertEquals(6, counts.of("gpt"));
    assertEquals(1, counts.own("gpt"));
    counts.heard("b", "openai-api", Map.of("gpt", 1), 2_000);
    counts.heard("b", "openai-api", Map.of("gpt", 9), 1_500);
    assertEquals(4, counts.of("gpt"), "b's newest word stands, a late older one does not");
    counts.expire(1_000 + InFlightCounts.REMOTE_TTL_MS + 1);
    assertEquals(2, counts.of("gpt"), "c, silent past the TTL, is taken for dead");
    counts.gone("b");
    assertEquals(1, counts.of("gpt"), "b said goodbye");
  }
}
