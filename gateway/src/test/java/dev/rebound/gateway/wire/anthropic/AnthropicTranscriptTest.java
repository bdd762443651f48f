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
}
