package dev.rebound.gateway.wire.anthropic;

import static dev.rebound.gateway.stream.RecordedStreams.anthropic;
import static dev.rebound.gateway.stream.RecordedStreams.blockStart;
import static dev.rebound.gateway.stream.RecordedStreams.blockStop;
import static dev.rebound.gateway.stream.RecordedStreams.messageDelta;
import static dev.rebound.gateway.stream.RecordedStreams.messageStart;
import static dev.rebound.gateway.stream.RecordedStreams.messageStop;
import static dev.rebound.gateway.stream.RecordedStreams.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.stream.RecordedStreams;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import org.junit.jupiter.api.Test;

class AnthropicTranscriptTest {
  private static final WireFormat MESSAGES = WireFormats.ANTHROPIC_MESSAGES;

  @Test
  void anthropicTextOfAllTextBlocksIsCollectedAndThinkingIsNot() {
    AnthropicTranscript t = (AnthropicTranscript) observed(MESSAGES, RecordedStreams.anthropicOriginalCut());
    assertEquals("The café serves 日本 tea 🍵 and ", t.partialText());
    assertEquals("msg_01Original", t.responseId());
    assertEquals("claude-sonnet-4-5-20250929", t.model());
    assertTrue(t.hasContent());
    assertFalse(t.toolCallInProgress());
    assertFalse(t.complete());
    assertEquals(1, t.openBlockIndex());
    assertEquals(2, t.blockCount());
  }

  @Test
  void anthropicToolUseIsInProgressWhileItsBlockIsOpen() {
    String start = messageStart("msg_1") + RecordedStreams.textStart(0) + RecordedStreams.textDelta(0, "Let me check.")
        + blockStop(0)
        + blockStart(1, "{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}")
        + anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,"
            + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Pa\"}}");
    StreamTranscript t = observed(MESSAGES, start);
    assertTrue(t.toolCallInProgress());
    assertEquals("Let me check.", t.partialText());

    for (SseEvent e : RecordedStreams.parse(blockStop(1) + messageDelta("tool_use", 40))) t.observe(e);
    assertFalse(t.toolCallInProgress());
    assertEquals("tool_use", t.stopReason());
    assertFalse(t.complete());
    t.observe(RecordedStreams.parse(messageStop()).get(0));
    assertTrue(t.complete());
  }

  @Test
  void anthropicMessageStartAloneIsNoContent() {
    StreamTranscript t = observed(MESSAGES, messageStart("msg_1") + RecordedStreams.ping());
    assertFalse(t.hasContent());
    assertEquals("msg_1", t.responseId());
  }

  @Test
  void anthropicUsageIsThePromptOfMessageStartWithTheOutputOfTheLastMessageDelta() {
    String stream = anthropic("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_u\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"{\\\"usage\\\": 1}\"}],\"usage\":{\"input_tokens\":472,"
        + "\"cache_creation_input_tokens\":30,\"cache_read_input_tokens\":2048,\"output_tokens\":2},"
        + "\"model\":\"claude-x\"}}")
        + RecordedStreams.textStart(0) + RecordedStreams.textDelta(0, "Hi") + blockStop(0)
        + messageDelta("end_turn", 15) + messageDelta("end_turn", 90) + messageStop();
    StreamTranscript t = observed(MESSAGES, stream);
    assertEquals(new TokenUsage(472, 90, 2048, 30), t.usage());
    assertEquals("msg_u", t.responseId());
    assertEquals("claude-x", t.model());
    assertEquals("end_turn", t.stopReason());
    assertTrue(t.complete());
  }

  @Test
  void anthropicBlockStartWithTextAndNoIndexOpensTheNextBlock() {
    String stream = messageStart("msg_1") + RecordedStreams.textStart(0) + blockStop(0)
        + anthropic("content_block_start", "{\"content_block\":{\"text\":\"Hel\\u006co \",\"type\":\"text\"},"
            + "\"type\":\"content_block_start\"}");
    AnthropicTranscript t = (AnthropicTranscript) observed(MESSAGES, stream);
    assertEquals(1, t.openBlockIndex());
    assertEquals(2, t.blockCount());
    assertEquals("text", t.openBlockType());
    assertEquals("Hello ", t.partialText());
  }

  @Test
  void anthropicMalformedEventsChangeNothing() {
    String stream = messageStart("msg_1") + RecordedStreams.textStart(0) + RecordedStreams.textDelta(0, "Hi")
        + anthropic("message_delta", "{\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":7")
        + anthropic("content_block_start", "{\"index\":1,\"content_block\":{\"type\":\"tool_use\"")
        + anthropic("message_start", "not json");
    AnthropicTranscript t = (AnthropicTranscript) observed(MESSAGES, stream);
    assertEquals(null, t.stopReason());
    assertEquals(new TokenUsage(472, 2, 0, 0), t.usage());
    assertEquals(0, t.openBlockIndex());
    assertEquals("text", t.openBlockType());
    assertEquals("msg_1", t.responseId());
    assertEquals("Hi", t.partialText());
  }
}
