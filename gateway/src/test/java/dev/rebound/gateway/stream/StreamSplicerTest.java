package dev.rebound.gateway.stream;

import static dev.rebound.gateway.stream.RecordedStreams.anthropic;
import static dev.rebound.gateway.stream.RecordedStreams.blockStart;
import static dev.rebound.gateway.stream.RecordedStreams.blockStop;
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
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.routing.Protocol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StreamSplicerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String data) {
    try {
      return JSON.readTree(data);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + data, e);
    }
  }

  /** Splices the continuation after the original the way the gateway would; returns everything the client got. */
  private static String clientStream(Protocol protocol, String originalCut, String continuation) {
    StreamTranscript transcript = observed(protocol, originalCut);
    return originalCut + relayContinuation(StreamSplicer.of(protocol, transcript), transcript, continuation);
  }

  /** Reads a whole Chat Completions stream as a client would, failing on anything a client would trip over. */
  private static String readOpenAi(String stream) {
    Set<String> ids = new HashSet<>();
    Set<Long> created = new HashSet<>();
    StringBuilder text = new StringBuilder();
    int roles = 0;
    int finishes = 0;
    int usages = 0;
    List<SseEvent> events = RecordedStreams.parse(stream);
    for (int i = 0; i < events.size(); i++) {
      SseEvent e = events.get(i);
      if (e.isComment()) continue;
      if (e.isDone()) {
        assertEquals(events.size() - 1, i, "[DONE] is the last event");
        continue;
      }
      assertEquals("data: " + e.data() + "\n\n", e.raw(), "valid SSE");
      JsonNode chunk = json(e.data());
      ids.add(chunk.get("id").textValue());
      created.add(chunk.get("created").longValue());
      if (chunk.hasNonNull("usage")) usages++;
      for (JsonNode choice : chunk.get("choices")) {
        if (choice.get("delta").has("role")) roles++;
        text.append(choice.get("delta").path("content").asText(""));
        if (choice.hasNonNull("finish_reason")) finishes++;
      }
    }
    assertEquals(1, ids.size(), "one id: " + ids);
    assertEquals(1, created.size(), "one created: " + created);
    assertEquals(1, roles, "role sent once");
    assertEquals(1, finishes, "one finish_reason");
    assertEquals(1, usages, "one usage chunk");
    assertEquals(1, events.stream().filter(SseEvent::isDone).count(), "one [DONE]");
    return text.toString();
  }

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
  void openAiContinuationReadsAsTheRestOfTheOriginalStream() {
    String client = clientStream(Protocol.OPENAI, RecordedStreams.openAiOriginalCut(), RecordedStreams.openAiContinuation());

    assertEquals("The café serves 日本 tea 🍵 and coffee all day.", readOpenAi(client));
    assertTrue(client.contains("\"id\":\"chatcmpl-AaBbCc\""));
    assertFalse(client.contains("chatcmpl-XxYyZz"));
  }

  @Test
  void openAiUsageCountsWhatTheClientAlreadyGot() {
    StreamTranscript t = observed(Protocol.OPENAI, RecordedStreams.openAiOriginalCut());
    String usage = StreamSplicer.of(Protocol.OPENAI, t)
        .splice(RecordedStreams.parse(RecordedStreams.openAiUsage("chatcmpl-X", 5, 5)).get(0));
    JsonNode u = json(RecordedStreams.parse(usage).get(0).data()).get("usage");
    assertEquals(5 + t.outputTokensEstimate(), u.get("completion_tokens").intValue());
    assertEquals(36 + t.outputTokensEstimate(), u.get("total_tokens").intValue());
    assertEquals(31, u.get("prompt_tokens").intValue());
  }

  @Test
  void openAiCommentsErrorsAndDonePassAsReceived() {
    StreamSplicer splicer = StreamSplicer.of(Protocol.OPENAI, observed(Protocol.OPENAI, RecordedStreams.openAiOriginalCut()));
    for (String raw : List.of(": keep-alive\n\n", "data: [DONE]\n\n", "data: {\"error\":{\"message\":\"boom\"}}\n\n")) {
      assertEquals(raw, splicer.splice(RecordedStreams.parse(raw).get(0)));
    }
  }

  @Test
  void anthropicContinuationJoinsTheOpenTextBlock() {
    String original = RecordedStreams.anthropicOriginalCut();
    String continuation = RecordedStreams.anthropicContinuation();
    String client = clientStream(Protocol.ANTHROPIC, original, continuation);

    // the client had "... and " so the continuation's leading " " is not repeated
    assertEquals("The café serves 日本 tea 🍵 and coffee all day.", readAnthropic(client));
    assertFalse(client.contains("msg_02Continuation"));
    String spliced = client.substring(original.length());
    assertEquals(List.of("content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
        "message_stop"), eventNames(spliced));
  }

  @Test
  void anthropicUsageCountsWhatTheClientAlreadyGot() {
    StreamTranscript t = observed(Protocol.ANTHROPIC, RecordedStreams.anthropicOriginalCut());
    String out = StreamSplicer.of(Protocol.ANTHROPIC, t).splice(RecordedStreams.parse(messageDelta("end_turn", 6)).get(0));
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
    String client = clientStream(Protocol.ANTHROPIC, original, continuation);

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
    String client = clientStream(Protocol.ANTHROPIC, original, continuation);

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
    assertEquals("Done and dusted.", readAnthropic(clientStream(Protocol.ANTHROPIC, original, continuation)));
  }

  @Test
  void anthropicContinuationThatDoesNotRepeatTheTrimmedWhitespaceGetsNoneAdded() {
    String original = messageStart("msg_01") + textStart(0) + textDelta(0, "Para one.") + textDelta(0, "\\n\\n");
    String continuation = messageStart("msg_02") + textStart(0) + textDelta(0, "Para two.") + blockStop(0)
        + messageDelta("end_turn", 3) + messageStop();
    assertEquals("Para one.\n\nPara two.", readAnthropic(clientStream(Protocol.ANTHROPIC, original, continuation)));
  }

  @Test
  void anthropicWhitespaceRepeatedAcrossSeveralDeltasIsDroppedOnlyOnce() {
    String original = messageStart("msg_01") + textStart(0) + textDelta(0, "Para one.") + textDelta(0, "\\n\\n");
    String continuation = messageStart("msg_02") + textStart(0) + textDelta(0, "\\n") + textDelta(0, "\\n\\nPara two.")
        + blockStop(0) + messageDelta("end_turn", 3) + messageStop();
    assertEquals("Para one.\n\n\nPara two.", readAnthropic(clientStream(Protocol.ANTHROPIC, original, continuation)));
  }

  @Test
  void anthropicStreamCutTwiceIsSplicedTwice() {
    StreamTranscript transcript = observed(Protocol.ANTHROPIC, RecordedStreams.anthropicOriginalCut());
    String client = RecordedStreams.anthropicOriginalCut();
    // first continuation is cut after one delta, then a block it opened is left open as well
    String firstContinuation = messageStart("msg_02") + textStart(0) + textDelta(0, " coffee") + blockStop(0)
        + textStart(1) + textDelta(1, "Also");
    client += relayContinuation(StreamSplicer.of(Protocol.ANTHROPIC, transcript), transcript, firstContinuation);
    assertEquals(3, transcript.blockCount());
    assertEquals(2, transcript.openBlockIndex());

    String secondContinuation = messageStart("msg_03") + textStart(0) + textDelta(0, " cake.") + blockStop(0)
        + messageDelta("end_turn", 2) + messageStop();
    client += relayContinuation(StreamSplicer.of(Protocol.ANTHROPIC, transcript), transcript, secondContinuation);

    assertEquals("The café serves 日本 tea 🍵 and coffeeAlso cake.", readAnthropic(client));
    assertTrue(transcript.complete());
  }

  @Test
  void anthropicPingsAndDuplicateMessageStartsAreDroppedAndErrorsPass() {
    StreamSplicer splicer = StreamSplicer.of(Protocol.ANTHROPIC, observed(Protocol.ANTHROPIC, RecordedStreams.anthropicOriginalCut()));
    assertEquals("", splicer.splice(RecordedStreams.parse(ping()).get(0)));
    assertEquals("", splicer.splice(RecordedStreams.parse(messageStart("msg_x")).get(0)));
    assertEquals(RecordedStreams.overloaded(), splicer.splice(RecordedStreams.parse(RecordedStreams.overloaded()).get(0)));
    assertEquals(": hi\n\n", splicer.splice(RecordedStreams.parse(": hi\n\n").get(0)));
  }

  @Test
  void theIndexIsFoundOnlyAtTheTopLevel() {
    int[] found = StreamSplicer.topLevelInt("{\"delta\":{\"index\":5,\"text\":\"\\\"index\\\":7\"},\"index\" : 12}", "index");
    assertNotNull(found);
    assertEquals(12, found[0]);
    assertNull(StreamSplicer.topLevelInt("{\"delta\":{\"index\":5}}", "index"));
  }
}
