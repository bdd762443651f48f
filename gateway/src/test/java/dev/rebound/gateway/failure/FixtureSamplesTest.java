package dev.rebound.gateway.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every provider error sample (see {@link ProviderErrorSamples}): real bodies with the class they must get. */
class FixtureSamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FailureClassifier CLASSIFIER = new FailureClassifier(Dialects.loadDefault(),
      Clock.fixed(Instant.parse("2025-06-20T17:11:30Z"), ZoneOffset.UTC));

  static Stream<Arguments> samples() throws IOException {
    List<String> lines = ProviderErrorSamples.lines();
    List<Arguments> out = new ArrayList<>();
    for (String line : lines) {
      JsonNode n = JSON.readTree(line);
      out.add(Arguments.of(n.path("id").asText(), n));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyFixtureSampleGetsItsExpectedClassWaitAndTokenNumbers(String id, JsonNode sample) {
    Failure f = classify(sample);

    Set<FailureKind> allowed = new HashSet<>(kindsFor(sample.path("expected").asText()));
    sample.path("alt_expected").forEach(alt -> allowed.addAll(kindsFor(alt.asText())));
    assertTrue(allowed.contains(f.kind()), id + ": got " + f + ", allowed " + allowed);
    if (f.kind() == FailureKind.OUTPUT_LIMIT) {
      // OUTPUT_LIMIT stands for context_overflow only where the stated numbers show the output part is what does not fit.
      assertNotNull(f.contextLimit(), id + ": OUTPUT_LIMIT without a stated limit");
      assertNotNull(f.requestedTokens(), id + ": OUTPUT_LIMIT without stated tokens");
    }

    JsonNode wait = sample.path("retry_after_seconds");
    if (wait.isNumber()) {
      assertNotNull(f.retryAfter(), id + ": no retryAfter");
      assertEquals(wait.asDouble(), f.retryAfter().toNanos() / 1e9, 0.01, id + ": retryAfter");
    } else {
      assertNull(f.retryAfter(), id + ": unexpected retryAfter");
    }

    JsonNode context = sample.path("context");
    if (context.isObject()) {
      if (context.has("limit")) assertEquals(context.get("limit").asInt(), f.contextLimit(), id + ": context limit");
      if (context.has("requested")) {
        assertEquals(context.get("requested").asInt(), f.requestedTokens(), id + ": requested tokens");
      }
    }
    assertFalse(f.message().isBlank(), id + ": message");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void theClassifyCommandLineAgreesWithTheClassifierOnEverySample(String id, JsonNode sample) throws IOException {
    Failure direct = classify(sample);
    JsonNode line = JSON.readTree(ClassificationReport.classifyJsonLine(CLASSIFIER, sample.toString()));
    assertEquals(direct.kind().name(), line.path("kind").asText(), id);
    if (direct.retryAfter() == null) {
      assertTrue(line.path("retryAfterSeconds").isNull(), id);
    } else {
      assertEquals(direct.retryAfter().toNanos() / 1e9, line.path("retryAfterSeconds").asDouble(), 1e-9, id);
    }
  }

  @Test
  void theRepositorysOwnFixtureFileIsOnTheTestClasspathWithEverySample() {
    long lines = ProviderErrorSamples.lines().size();
    assertTrue(lines >= 42, "expected at least the 42 samples of the repository's copy, found " + lines);
  }

  static Failure classify(JsonNode sample) {
    Map<String, String> headers = new TreeMap<>();
    sample.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
    JsonNode body = sample.path("body");
    return CLASSIFIER.classify(sample.path("status").asInt(), headers, body.isTextual() ? body.asText() : body.toString(),
        sample.path("stream").asBoolean(false));
  }

  /** The fixture README's class names. */
  static Set<FailureKind> kindsFor(String expected) {
    return switch (expected) {
      case "rate_limit" -> Set.of(FailureKind.RATE_LIMITED);
      case "overloaded" -> Set.of(FailureKind.OVERLOADED);
      case "quota_exhausted" -> Set.of(FailureKind.QUOTA_EXHAUSTED);
      case "context_overflow" -> Set.of(FailureKind.CONTEXT_OVERFLOW, FailureKind.OUTPUT_LIMIT);
      case "invalid_request" -> Set.of(FailureKind.INVALID_REQUEST);
      case "auth" -> Set.of(FailureKind.AUTH);
      case "server_error" -> Set.of(FailureKind.SERVER_ERROR);
      case "timeout" -> Set.of(FailureKind.TIMEOUT);
      default -> throw new IllegalArgumentException("unknown expected class " + expected);
    };
  }
}
