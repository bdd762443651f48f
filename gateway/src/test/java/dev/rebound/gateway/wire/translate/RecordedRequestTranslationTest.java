package dev.rebound.gateway.wire.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Golden tests: each request an official SDK (or Claude Code) really sent translates to the fixture beside it, which
 * was checked by hand against the mapping. {@code -Drebound.recordTranslationFixtures=DIR} writes the translations
 * into DIR instead, to be checked by hand before they replace the fixtures.
 */
class RecordedRequestTranslationTest {
  private static final String RECORD_INTO = System.getProperty("rebound.recordTranslationFixtures");
  /** What a gateway configuration would give as the output limit when a request names none. */
  static final int DEFAULT_MAX_TOKENS = 8192;

  @ParameterizedTest
  @EnumSource(SdkRequestSamples.class)
  void eachSdkRequestTranslatesToItsCheckedFixture(SdkRequestSamples sample) {
    assertTranslates(sample.fixture, sample.fromAnthropicClient(), sample.dropped);
  }

  @Test
  void aClaudeCodeRequestLosesItsThinkingSignaturesCacheControlAndServerToolsOnTheWayToAnOpenAiBackend() {
    assertTranslates("claude-code", true, CLAUDE_CODE_DROPPED);
  }

  /** What Claude Code sends that an OpenAI Chat backend has no word for. */
  static final List<String> CLAUDE_CODE_DROPPED = List.of("thinking", "context_management");

  private static void assertTranslates(String fixture, boolean fromAnthropicClient, List<String> expectedDropped) {
    ObjectNode request = TranslationFixtures.read(fixture + ".request.json");
    ObjectNode sent = request.deepCopy();
    List<String> dropped = new ArrayList<>();
    ObjectNode translated = fromAnthropicClient
        ? MessagesToChatRequest.translate(request, DEFAULT_MAX_TOKENS, d -> dropped.add(d.field()))
        : ChatToMessagesRequest.translate(request, DEFAULT_MAX_TOKENS, d -> dropped.add(d.field()));
    if (RECORD_INTO != null) {
      TranslationFixtures.write(Path.of(RECORD_INTO), fixture + ".translated.json", translated);
      return;
    }
    assertEquals(TranslationFixtures.read(fixture + ".translated.json"), TranslationFixtures.sent(translated));
    assertEquals(expectedDropped, dropped);
    assertEquals(sent, request, "the client's request is left as it was");
  }
}
