package dev.rebound.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** routing.outcomes: every weight of best-match's performance term read with its default, mistakes named by key path. */
class OutcomesConfigTest {
  static ReboundConfig load(String routing) {
    return new ConfigLoader(Map.of()).parse(ConfigLoaderTest.MINIMAL + routing, "t.yaml");
  }

  @Test
  void withoutTheSectionTheDefaultsHold() {
    assertEquals(RoutingConfig.Outcomes.DEFAULT, load("").routing().outcomes());
  }

  @Test
  void everySettingIsRead() {
    RoutingConfig.Outcomes o = load("""
        routing:
          outcomes: { window: 2m, minSamples: 3, failureWeight: 4, latencyWeight: 0.5, explore: 0.1, ttftWeight: 2,
                      throughputWeight: 0, recoveryWeight: 1.5, costWeight: 0.25, feedbackWeight: 5, feedbackWindow: 30m,
                      regenerateScore: -0.25 }
        """).routing().outcomes();
    assertEquals(new RoutingConfig.Outcomes(Duration.ofMinutes(2), 3, 4, 0.5, 0.1, 2, 0, 1.5, 0.25, 5,
        Duration.ofMinutes(30), -0.25), o);
  }

  @Test
  void rejectsBadSettingsNamingEachKeyPath() {
    List<String> problems = assertThrows(ConfigException.class, () -> load("""
        routing:
          outcomes: { ttftWeight: -1, feedbackWindow: 0s, regenerateScore: 0.5, votes: 3 }
        """)).problems();
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("routing.outcomes.ttftWeight")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("routing.outcomes.feedbackWindow")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("routing.outcomes.regenerateScore")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("votes")), problems.toString());
  }
}
