package dev.rebound.gateway.wire.openai;

import static dev.rebound.gateway.stream.RecordedStreams.json;
import static dev.rebound.gateway.stream.RecordedStreams.observed;
import static dev.rebound.gateway.stream.RecordedStreams.openAiChunk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.stream.RecordedStreams;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import org.junit.jupiter.api.Test;

class OpenAiTranscriptTest {
  private static final WireFormat CHAT = WireFormats.OPENAI_CHAT;
  private static final String ID = "chatcmpl-T";

  private static String toolCall(String fields) {
    return openAiChunk(ID, 1, "{\"tool_calls\":[{\"index\":0," + fields + "}]}", null);
  }

  @Test
  void openAiTextIsCollectedFromTheFirstChunkOn() {
    StreamTranscript t = observed(CHAT, RecordedStreams.openAiOriginalCut());
    assertEquals("The café serves 日本 tea 🍵 and", t.partialText());
    assertEquals("chatcmpl-AaBbCc", t.responseId());
    assertEquals("gpt-4o-2024-08-06", t.model());
    assertTrue(t.hasContent());
    assertFalse(t.complete());
    assertFalse(t.toolCallInProgress());
    assertEquals((t.partialText().length() + 3) / 4, t.outputTokensEstimate());
  }

  @Test
  void aChunkIsReadForItsFewFieldsWhateverElseItCarriesAndAnErrorChunkTeachesNothing() {
    String odd = "data: {\"id\":\"" + ID + "\",\"extra\":{\"nested\":[1,{\"content\":\"not this\"}]},\"model\":\"m\","
        + "\"created\":7,\"choices\":[{\"delta\":{\"tool_calls\":[],\"content\":\"Hi\",\"x\":{\"content\":\"no\"}},"
        + "\"index\":0,\"logprobs\":{\"content\":[{\"token\":\"Hi\"}]},\"finish_reason\":null}]}\n\n"
        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"}}],\"error\":{\"message\":\"x\"}}\n\n"
        + "data: {not json\n\n"
        + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n";
    StreamTranscript t = observed(CHAT, odd);
    assertEquals("Hi", t.partialText(), "nested fields named content and the error chunk's text are not the answer");
    assertEquals(ID, t.responseId());
    assertEquals("m", t.model());
    assertFalse(t.toolCallInProgress(), "an empty tool_calls list starts no tool call");
    assertEquals("length", t.stopReason());
    assertTrue(t.usageSeen());
    assertEquals(2, t.usage().output());
  }

  @Test
  void openAiRoleChunkAloneIsNoContent() {
    StreamTranscript t = observed(CHAT,
        openAiChunk(ID, 1, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
    assertFalse(t.hasContent());
    assertEquals("", t.partialText());
  }

  @Test
  void openAiIsCompleteOnDone() {
    StreamTranscript t = observed(CHAT, RecordedStreams.openAiContinuation());
    assertTrue(t.complete());
    assertEquals("stop", t.stopReason());
  }

  @Test
  void openAiWithSeveralChoicesHasItsStopReasonOnlyOnceEveryChoiceFinished() {
    String second = "data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        + "\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"},\"finish_reason\":%s}]}\n\n";
    StreamTranscript t = observed(CHAT, RecordedStreams.openAiText(ID, 1, "Hi") + openAiChunk(ID, 1, "{}", "stop"));
    assertEquals("stop", t.stopReason(), "as far as it can tell, the answer is whole");
    for (SseEvent e : RecordedStreams.parse(second.formatted("null"))) t.observe(e);
    assertNull(t.stopReason(), "choice 1 began after choice 0 finished, and is still being written");
    for (SseEvent e : RecordedStreams.parse(second.formatted("\"length\""))) t.observe(e);
    assertEquals("length", t.stopReason());

    StreamTranscript askedForTwo = CHAT.transcript(json("{\"n\":2}"));
    for (SseEvent e : RecordedStreams.parse(RecordedStreams.openAiText(ID, 1, "Hi") + openAiChunk(ID, 1, "{}", "stop"))) {
      askedForTwo.observe(e);
    }
    assertNull(askedForTwo.stopReason(), "n=2: choice 1 has not even begun");
  }

  @Test
  void openAiFinishWithoutDoneIsCompleteOnlyOnceTheStreamEndedCleanly() {
    StreamTranscript t = observed(CHAT,
        RecordedStreams.openAiText(ID, 1, "Hi") + openAiChunk(ID, 1, "{}", "stop"));
    assertFalse(t.complete());
    t.markEndedCleanly();
    assertTrue(t.complete());
  }

  @Test
  void openAiToolCallIsInProgressUntilFinishReason() {
    StreamTranscript t = observed(CHAT,
        toolCall("\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}")
            + toolCall("\"function\":{\"arguments\":\"{\\\"city\\\":\"}"));
    assertTrue(t.toolCallInProgress());
    assertTrue(t.hasContent());
    t.observe(RecordedStreams.parse(openAiChunk(ID, 1, "{}", "tool_calls")).get(0));
    assertFalse(t.toolCallInProgress());
    assertEquals("tool_calls", t.stopReason());
  }

  @Test
  void openAiErrorEventsAndCommentsChangeNothing() {
    StreamTranscript t = observed(CHAT,
        ": ping\n\ndata: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\"}}\n\n");
    assertNull(t.responseId());
    assertFalse(t.hasContent());
  }

  @Test
  void aChoiceIndexFarOutOfRangeFromAMisbehavingUpstreamIsIgnoredInsteadOfSizingMemory() {
    StreamTranscript t = CHAT.transcript(json("{}"));
    t.observe(SseEvent.of(null, "{\"id\":\"c\",\"choices\":[{\"index\":2000000000,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}"));
    t.observe(SseEvent.of(null, "{\"id\":\"c\",\"choices\":[{\"index\":-3,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
    t.observe(SseEvent.of(null, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}"));
    assertEquals("stop", t.stopReason());
    assertEquals("hi", t.partialText());
  }
}
