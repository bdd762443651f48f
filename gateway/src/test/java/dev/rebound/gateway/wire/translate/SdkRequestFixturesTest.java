package dev.rebound.gateway.wire.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The request fixtures are what the official SDKs send: each sample is sent again with the SDK to mock-llm, and the
 * body it recorded must be the fixture. After an SDK upgrade changes a body, record them anew with
 * {@code -Drebound.recordTranslationFixtures=src/test/resources/translation} (from the gateway module) and check the
 * translated fixtures beside them by hand.
 */
class SdkRequestFixturesTest {
  private static final String RECORD_INTO = System.getProperty("rebound.recordTranslationFixtures");
  static Vertx vertx;
  static MockLlmServer upstream;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = new MockLlmServer(vertx, MockLlmOptions.defaults());
    upstream.start().await();
  }

  @AfterAll
  static void stop() {
    upstream.stop().await();
    vertx.close().await();
  }

  @ParameterizedTest
  @EnumSource(SdkRequestSamples.class)
  void theSdkStillSendsTheRecordedRequest(SdkRequestSamples sample) {
    upstream.reset();
    sample.send.accept(upstream.baseUrl());
    JsonArray seen = upstream.requests();
    assertEquals(1, seen.size(), "one request per sample: " + seen);
    JsonObject body = seen.getJsonObject(0).getJsonObject("body");
    assertNotNull(body, "the upstream recorded a JSON body");
    JsonNode sent = TranslationFixtures.parse(body.encode());
    if (RECORD_INTO != null) {
      TranslationFixtures.write(Path.of(RECORD_INTO), sample.fixture + ".request.json", sent);
      return;
    }
    assertEquals(TranslationFixtures.read(sample.fixture + ".request.json"), sent);
  }
}
