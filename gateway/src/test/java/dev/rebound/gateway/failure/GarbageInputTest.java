package dev.rebound.gateway.failure;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whatever arrives, the classifier answers, quickly, without throwing. */
class GarbageInputTest {
  private static final FailureClassifier CLASSIFIER = FailureClassifierTest.CLASSIFIER;

  @Test
  void mangledRealBodiesAndRandomTextNeverThrowAndAlwaysGetAKind() throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> seeds = new ArrayList<>();
    for (String line : ProviderErrorSamples.lines()) {
      if (!line.isBlank()) seeds.add(json.readTree(line).path("body").asText());
    }
    Random random = new Random(42);
    int[] statuses = {0, 200, 400, 401, 402, 404, 413, 422, 429, 500, 503, 529, 999, -1};
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int i = 0; i < 5_000; i++) {
        String body = mangle(seeds.get(random.nextInt(seeds.size())), random);
        int status = statuses[random.nextInt(statuses.length)];
        assertNotNull(CLASSIFIER.classify(status, Map.of("retry-after", body.length() > 8 ? body.substring(0, 8) : body),
            body, random.nextBoolean()).kind());
        CLASSIFIER.classifyStreamEvent(random.nextBoolean() ? "error" : null, body);
        String line = ClassificationReport.classifyJsonLine(CLASSIFIER, body);
        assertTrue(line.startsWith("{"), line);
      }
    });
  }

  @Test
  void pathologicalBodiesStayFast() {
    List<String> bodies = List.of(
        "[".repeat(200_000),
        "{\"error\":".repeat(50_000),
        "1".repeat(100_000),
        "limit 1".repeat(20_000),
        "maximum context length is " + "9,".repeat(30_000),
        "\"" + "\\\"".repeat(40_000) + "\"",
        "<html><title>" + "<".repeat(100_000),
        "data: " + "{".repeat(70_000),
        "try again in " + "1m".repeat(30_000),
        "request too large for ".repeat(3_000));
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      for (String body : bodies) {
        assertNotNull(CLASSIFIER.classify(429, Map.of(), body, false));
        assertNotNull(CLASSIFIER.classify(200, Map.of(), body, true));
      }
    });
  }

  private static String mangle(String s, Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> s.substring(0, r.nextInt(s.length() + 1));
      case 1 -> s.substring(r.nextInt(s.length() + 1));
      case 2 -> new StringBuilder(s).reverse().toString();
      case 3 -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      case 4 -> randomText(r);
      default -> s.replace(':', ',');
    };
  }

  private static String randomText(Random r) {
    StringBuilder sb = new StringBuilder();
    String alphabet = "{}[]\":,\\ abcdeflmnorstuxy0123456789<>/\n.-_";
    for (int i = r.nextInt(300); i > 0; i--) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    return sb.toString();
  }
}
