package dev.rebound.gateway.wire.anthropic;

import static dev.rebound.gateway.stream.RecordedStreams.anthropic;
import static dev.rebound.gateway.stream.RecordedStreams.blockStart;
import static dev.rebound.gateway.stream.RecordedStreams.blockStop;
import static dev.rebound.gateway.stream.RecordedStreams.clientStream;
import static dev.rebound.gateway.stream.RecordedStreams.json;
import static dev.rebound.gateway.stream.RecordedStreams.messageDelta;
import static dev.rebound.gateway.stream.RecordedStreams.messageStart;
import static dev.rebound.gateway.stream.RecordedStreams.messageStop;
import static dev.rebound.gateway.stream.RecordedStreams.observed;
import static dev.rebound.gateway.stream.RecordedStreams.ping;
import static dev.rebound.gateway.stream.RecordedStreams.relayContinuation;
import static dev.rebound.gateway.stream.RecordedStreams.textDelta;
import static dev.rebound.gateway.stream.RecordedStreams.textStart;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.stream.RecordedStreams;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnthropicSplicerTest {
  private static final WireFormat MESSAGES = WireFormats.ANTHROPIC_MESSAGES;

  /** Reads a whole Messages stream as a client would: block indexes in order, each block opened and closed once. */
  private static String readAnthropic(String stream) {
    List<SseEvent> events = RecordedStreams.parse(stream);
    StringBuilder text = new StringBuilder();
    int messageStarts = 0;
    int messageStops = 0;
    int nextIndex = 0;
    int open = -1;
    for (int i = 0; i < events.size(); i++) {
      SseEvent e = events.get(i);
      assertEquals("event: " + e.event() + "\ndata: " + e.data() + "\n\n", e.raw(), "valid SSE");
      JsonNode data = json(e.data());
      assertEquals(e.event(), data.get("type").textValue(), "event name matches its type");
      switch (e.event()) {
        case "message_start" -> {
          assertEquals(0, i, "message_start comes first");
          messageStarts++;
        }
        case "content_block_start" -> {
          assertEquals(-1, open, "the previous block was closed");
          assertEquals(nextIndex, data.get("index").intValue(), "blocks are numbered in order");
          open = nextIndex++;
        }
        case "content_block_delta" -> {
          assertEquals(open, data.get("index").intValue(), "a delta belongs to the open block");
          if ("text_delta".equals(data.at("/delta/type").textValue())) text.append(data.at("/delta/text").textValue());
        }
        case "content_block_stop" -> {
          assertEquals(open, data.get("index").intValue(), "only the open block is closed");
          open = -1;
        }
        case "message_delta" -> assertEquals(-1, open, "every block is closed before message_delta");
        case "message_stop" -> {
          assertEquals(events.size() - 1, i, "message_stop is the last event");
          messageStops++;
        }
        case "ping" -> { }
        default -> throw new AssertionError("unexpected event " + e.event());
      }
    }
    assertEquals(1, messageStarts, "one message_start");
    assertEquals(1, messageStops, "one message_stop");
    return text.toString();
  }

  private static List<String> eventNames(String stream) {
    List<String> names = new ArrayList<>();
    for (SseEvent e : RecordedStreams.parse(stream)) names.add(e.event());
    return names;
  }

  @Test
  void anthropicContinuationJoinsTheOpenTextBlock() {
    String original = RecordedStreams.anthropicOriginalCut();
    String continuation = RecordedStreams.anthropicContinuation();
    String client = clientStream(MESSAGES, original, continuation);

    // the client had "... and " so the continuation's leading " " is not repeated
    assertEquals("The café serves 日本 tea 🍵 and coffee all day.", readAnthropic(client));
    assertFalse(client.contains("msg_02Continuation"));
    String spliced = client.substring(original.length());
    assertEquals(List.of("content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
        "message_stop"), eventNames(spliced));
  }

  @Test
  void anthropicUsageCountsWhatTheClientAlreadyGot() {
    StreamTranscript t = observed(MESSAGES, RecordedStreams.anthropicOriginalCut());
    String out = t.splicer().splice(RecordedStreams.parse(messageDelta("end_turn", 6)).get(0));
    List<SseEvent> events = RecordedStreams.parse(out);
    assertEquals(List.of("content_block_stop", "message_delta"), eventNames(out), "the open block is closed first");
    JsonNode delta = json(events.get(1).data());
    assertEquals(6 + t.outputTokensEstimate(), delta.at("/usage/output_tokens").intValue());
    assertEquals("end_turn", delta.at("/delta/stop_reason").textValue());
  }

  @Test
  void anthropicContinuationAfterAClosedBlockStartsTheNextBlock() {
    String original = messageStart("msg_01") + textStart(0) + textDelta(0, "First") + textDelta(0, " part")
        + textDelta(0, ".") + blockStop(0);
    String continuation = messageStart("msg_02") + textStart(0) + ping() + textDelta(0, " Second part.") + blockStop(0)
        + messageDelta("end_turn", 4) + messageStop();
    String client = clientStream(MESSAGES, original, continuation);

    assertEquals("First part. Second part.", readAnthropic(client));
    String spliced = client.substring(original.length());
    assertEquals("content_block_start", eventNames(spliced).get(0));
    assertEquals(1, json(RecordedStreams.parse(spliced).get(0).data()).get("index").intValue());
  }

  @Test
  void anthropicContinuationThatStartsWithAToolCallClosesTheOpenTextBlockFirst() {
    String original = messageStart("msg_01") + textStart(0) + textDelta(0, "Let") + textDelta(0, " me") + textDelta(0, " check");
    String continuation = messageStart("msg_02")
        + blockStart(0, "{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}")
        + anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}")
        + blockStop(0) + messageDelta("tool_use", 20) + messageStop();
    String client = clientStream(MESSAGES, original, continuation);

    assertEquals("Let me check", readAnthropic(client));
    List<SseEvent> spliced = RecordedStreams.parse(client.substring(original.length()));
    assertEquals("content_block_stop", spliced.get(0).event());
    assertEquals(0, json(spliced.get(0).data()).get("index").intValue());
    assertEquals("tool_use", json(spliced.get(1).data()).at("/content_block/type").textValue());
    assertEquals(1, json(spliced.get(1).data()).get("index").intValue());
  }

  @Test
  void anthropicContinuationWithoutAnyBlockStillClosesTheOpenBlock() {
    String original = messageStart("msg_01") + textStart(0) + textDelta(0, "Done") + textDelta(0, " and") + textDelta(0, " dusted.");
    String continuation = messageStart("msg_02") + messageDelta("end_turn", 1) + messageStop();
    assertEquals("Done and dusted.", readAnthropic(clientStream(MESSAGES, original, continuation)));
  }

  @Test
  void anthropicContinuationThatDoesNotRepeatTheTrimmedWhitespaceGetsNoneAdded() {
    String original = messageStart("msg_01") + textStart(0) + textDelta(0, "Para one.") + textDelta(0, "\\n\\n");
    String continuation = messageStart("msg_02") + textStart(0) + textDelta(0, "Para two.") + blockStop(0)
        + messageDelta("end_turn", 3) + messageStop();
    assertEquals("Para one.\n\nPara two.", readAnthropic(clientStream(MESSAGES, original, continuation)));
  }

  @Test
  void anthropicWhitespaceRepeatedAcrossSeveralDeltasIsDroppedOnlyOnce() {
    String original = messageStart("msg_01") + textStart(0) + textDelta(0, "Para one.") + textDelta(0, "\\n\\n");
    String continuation = messageStart("msg_02") + textStart(0) + textDelta(0, "\\n") + textDelta(0, "\\n\\nPara two.")
        + blockStop(0) + messageDelta("end_turn", 3) + messageStop();
    assertEquals("Para one.\n\n\nPara two.", readAnthropic(clientStream(MESSAGES, original, continuation)));
  }

  @Test
  void anthropicStreamCutTwiceIsSplicedTwice() {
    AnthropicTranscript transcript = (AnthropicTranscript) observed(MESSAGES, RecordedStreams.anthropicOriginalCut());
    String client = RecordedStreams.anthropicOriginalCut();
    // first continuation is cut after one delta, then a block it opened is left open as well
    String firstContinuation = messageStart("msg_02") + textStart(0) + textDelta(0, " coffee") + blockStop(0)
        + textStart(1) + textDelta(1, "Also");
    client += relayContinuation(transcript.splicer(), transcript, firstContinuation);
    assertEquals(3, transcript.blockCount());
    assertEquals(2, transcript.openBlockIndex());

    String secondContinuation = messageStart("msg_03") + textStart(0) + textDelta(0, " cake.") + blockStop(0)
        + messageDelta("end_turn", 2) + messageStop();
    client += relayContinuation(transcript.splicer(), transcript, secondContinuation);

    assertEquals("The café serves 日本 tea 🍵 and coffeeAlso cake.", readAnthropic(client));
    assertTrue(transcript.complete());
  }

  @Test
  void anthropicPingsAndDuplicateMessageStartsAreDroppedAndErrorsPass() {
    StreamSplicer splicer = observed(MESSAGES, RecordedStreams.anthropicOriginalCut()).splicer();
    assertEquals("", splicer.splice(RecordedStreams.parse(ping()).get(0)));
    assertEquals("", splicer.splice(RecordedStreams.parse(messageStart("msg_x")).get(0)));
    assertEquals(RecordedStreams.overloaded(), splicer.splice(RecordedStreams.parse(RecordedStreams.overloaded()).get(0)));
    assertEquals(": hi\n\n", splicer.splice(RecordedStreams.parse(": hi\n\n").get(0)));
  }

  @Test
  void theIndexIsFoundOnlyAtTheTopLevel() {
    int[] found = AnthropicSplicer.topLevelInt("{\"delta\":{\"index\":5,\"text\":\"\\\"index\\\":7\"},\"index\" : 12}", "index");
    assertNotNull(found);
    assertEquals(12, found[0]);
    assertNull(AnthropicSplicer.topLevelInt("{\"delta\":{\"index\":5}}", "index"));
  }
}
