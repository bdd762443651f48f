package dev.rebound.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** responses.background: its defaults, and bad values named by their key path. */
class ResponsesConfigTest {

  @Test
  void withoutAResponsesSectionBackgroundJobsGetTheirDefaults() {
    ReboundConfig c = new ConfigLoader(Map.of()).parse(ConfigLoaderTest.MINIMAL, "t.yaml");
    assertEquals(ResponsesConfig.Background.DEFAULTS, c.responses().background());
    assertEquals(Duration.ofHours(24), c.responses().background().deadline());
  }

  @Test
  void backgroundSettingsAreRead() {
    ReboundConfig c = new ConfigLoader(Map.of()).parse(ConfigLoaderTest.MINIMAL + """
        responses: { background: { deadline: 3h, lease: 10s, pollInterval: 500ms, maxRunning: 4, queue: staging, keepFinished: 1d } }
        """, "t.yaml");
    assertEquals(new ResponsesConfig.Background(Duration.ofHours(3), Duration.ofSeconds(10), Duration.ofMillis(500), 4,
        "staging", Duration.ofDays(1)), c.responses().background());
  }

  @Test
  void rejectsALeaseTooShortToRenewAndABadQueueNamingTheirKeyPaths() {
    List<String> problems = ConfigLoaderTest.problems(ConfigLoaderTest.MINIMAL + """
        responses: { background: { lease: 1s, queue: "a b", deadline: 0s, size: 3 } }
        """);
    assertTrue(problems.stream().anyMatch(p -> p.contains("responses.background.lease") && p.contains("at least 3s")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("responses.background.queue") && p.contains("'a b'")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("responses.background.deadline")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("responses.background") && p.contains("size")), problems.toString());
  }
}
