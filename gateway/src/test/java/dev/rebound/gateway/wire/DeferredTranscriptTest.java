package dev.rebound.gateway.wire;

import static dev.rebound.gateway.stream.RecordedStreams.anthropic;
import static dev.rebound.gateway.stream.RecordedStreams.blockStart;
import static dev.rebound.gateway.stream.RecordedStreams.blockStop;
import static dev.rebound.gateway.stream.RecordedStreams.messageDelta;
import static dev.rebound.gateway.stream.RecordedStreams.messageStart;
import static dev.rebound.gateway.stream.RecordedStreams.messageStop;
import static dev.rebound.gateway.stream.RecordedStreams.openAiChunk;
import static dev.rebound.gateway.stream.RecordedStreams.openAiText;
import static dev.rebound.gateway.stream.RecordedStreams.openAiUsage;
import static dev.rebound.gateway.stream.RecordedStreams.parse;
import static dev.rebound.gateway.stream.RecordedStreams.textDelta;
import static dev.rebound.gateway.stream.RecordedStreams.textStart;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.wire.formats.WireFormats;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The transcripts defer the text of a stream (read only when a cut asks for it): what they answer must be what reading
 * every event as it came would answer, and a long stream must not pile up the events it has not read.
 */
class DeferredTranscriptTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "chatcmpl-D";

  @Test
  void aFinishedChatStreamTellsItsEndAndUsageWithoutReadingItsTextAndACutStillGetsAllOfIt() {
    StringBuilder stream = new StringBuilder(openAiChunk(ID, 1, "{\"role\":\"assistant\",\"content\":\"\"}", null));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      stream.append(openAiText(ID, 1, "word" + i + " "));
      text.append("word").append(i).append(' ');
    }
    stream.append(openAiChunk(ID, 1, "{}", "stop")).append(openAiUsage(ID, 1, 16)).append("data: [DONE]\n\n");
    StreamTranscript t = WireFormats.OPENAI_CHAT.transcript(JSON.createObjectNode());
    for (SseEvent e : parse(stream.toString())) t.observe(e);

    assertTrue(t.complete());
    assertTrue(t.usageSeen());
    assertEquals(16, t.usage().output());
    assertEquals(31, t.usage().input());
    assertTrue(t.deferredBytes() > 0, "the end and the usage were answered without reading the text");
    assertEquals(text.toString(), t.partialText());
    assertEquals("stop", t.stopReason());
    assertEquals(ID, t.responseId());
    assertEquals(0, t.deferredBytes());
  }

  @Test
  void aFinishedMessagesStreamTellsItsEndAndUsageWithoutReadingItsTextAndACutStillGetsAllOfIt() {
    StringBuilder stream = new StringBuilder(messageStart("msg_D") + textStart(0));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      stream.append(textDelta(0, "word" + i + " "));
      text.append("word").append(i).append(' ');
    }
    stream.append(blockStop(0)).append(messageDelta("end_turn", 16)).append(messageStop());
    StreamTranscript t = WireFormats.ANTHROPIC_MESSAGES.transcript(JSON.createObjectNode());
    for (SseEvent e : parse(stream.toString())) t.observe(e);

    assertTrue(t.deferredBytes() > 0);
    assertTrue(t.complete());
    assertEquals(472, t.usage().input());
    assertEquals(16, t.usage().output());
    assertTrue(t.deferredBytes() > 0, "the end and the usage were answered without reading the text");
    assertEquals(text.toString(), t.partialText());
    assertEquals("end_turn", t.stopReason());
    assertEquals(0, t.deferredBytes());
  }

  @Test
  void theUsageNullOpenAiPutsInEveryChunkWhenUsageIsAskedForDoesNotMakeTheTranscriptReadThem() {
    StringBuilder stream = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      stream.append(openAiChunk(ID, 1, "{\"content\":\"w" + i + "\"}", null).replace("}]}\n\n", "}],\"usage\":null}\n\n"));
    }
    stream.append("data: {\"id\":\"" + ID + "\",\"choices\":[],\"usage\" : {\"prompt_tokens\":9,\"completion_tokens\":8}}\n\n");
    StreamTranscript t = WireFormats.OPENAI_CHAT.transcript(JSON.createObjectNode());
    for (SseEvent e : parse(stream.toString())) t.observe(e);

    assertEquals(8, t.usage().output());
    assertEquals(9, t.usage().input());
    assertTrue(t.usageSeen());
    assertTrue(t.deferredBytes() > 0, "the text is still deferred");
    assertEquals("w0w1w2w3w4w5w6w7", t.partialText());
  }

  @Test
  void aLongAnswerHoldsAtMostTheBoundOfUnreadEventsAndLosesNoneOfItsText() {
    for (WireFormat format : List.of(WireFormats.OPENAI_CHAT, WireFormats.ANTHROPIC_MESSAGES)) {
      boolean chat = format == WireFormats.OPENAI_CHAT;
      StreamTranscript t = format.transcript(JSON.createObjectNode());
      StringBuilder text = new StringBuilder();
      int most = 0;
      for (SseEvent e : parse(chat ? openAiText(ID, 1, "") : messageStart("msg_L") + textStart(0))) t.observe(e);
      for (int i = 0; i < 5_000; i++) {
        String piece = "token " + i + " é ";
        text.append(piece);
        for (SseEvent e : parse(chat ? openAiText(ID, 1, piece) : textDelta(0, piece))) t.observe(e);
        most = Math.max(most, t.deferredBytes());
      }
      assertTrue(most > 0, format + ": text was deferred");
      assertTrue(most <= StreamTranscript.MAX_DEFERRED_BYTES, format + ": held " + most + " bytes unread");
      assertEquals(text.toString(), t.partialText(), format.toString());
    }
  }

  @Test
  void onRandomChatStreamsATranscriptThatDefersAnswersAsOneThatReadsEveryEventAtOnce() {
    Random random = new Random(20261207);
    for (int round = 0; round < 400; round++) {
      int n = random.nextInt(3) == 0 ? 2 : 1;
      List<String> events = new ArrayList<>();
      int length = random.nextInt(40);
      for (int i = 0; i < length; i++) events.add(randomChatEvent(random, n));
      compare(WireFormats.OPENAI_CHAT, JSON.createObjectNode().put("n", n), events, random,
          "round " + round);
    }
  }

  @Test
  void onRandomMessagesStreamsATranscriptThatDefersAnswersAsOneThatReadsEveryEventAtOnce() {
    Random random = new Random(7);
    for (int round = 0; round < 400; round++) {
      List<String> events = new ArrayList<>();
      int length = random.nextInt(40);
      int block = 0;
      for (int i = 0; i < length; i++) {
        String e = randomMessagesEvent(random, block);
        if (e.startsWith("event: content_block_start")) block++;
        events.add(e);
      }
      compare(WireFormats.ANTHROPIC_MESSAGES, JSON.createObjectNode(), events, random, "round " + round);
    }
  }

  /**
   * Feeds the same events to two transcripts: one asked for its text after every event (so it reads each at once), the
   * other asked random questions at random times, as the gateway does; both must give the same answers at the end.
   */
  private static void compare(WireFormat format, com.fasterxml.jackson.databind.JsonNode request, List<String> events,
      Random random, String what) {
    StreamTranscript eager = format.transcript(request);
    StreamTranscript lazy = format.transcript(request);
    for (String raw : events) {
      for (SseEvent e : parse(raw)) {
        eager.observe(e);
        eager.partialText();
        assertEquals(0, eager.deferredBytes());
        lazy.observe(e);
        String at = what + ", after " + e.raw();
        switch (random.nextInt(16)) {
          case 0 -> assertEquals(eager.complete(), lazy.complete(), at);
          case 1 -> assertEquals(eager.usage(), lazy.usage(), at);
          case 2 -> assertEquals(eager.stopReason(), lazy.stopReason(), at);
          case 3 -> assertEquals(eager.toolCallInProgress(), lazy.toolCallInProgress(), at);
          case 4 -> assertEquals(eager.hasContent(), lazy.hasContent(), at);
          case 5 -> assertEquals(eager.responseId(), lazy.responseId(), at);
          default -> {
            // most events pass unasked
          }
        }
      }
    }
    if (random.nextBoolean()) {
      eager.markEndedCleanly();
      lazy.markEndedCleanly();
    }
    String stream = what + ": " + String.join("", events);
    // the questions a finished stream is asked first, before anything makes the lazy one read what it deferred
    assertEquals(eager.usage(), lazy.usage(), stream);
    assertEquals(eager.usageSeen(), lazy.usageSeen(), stream);
    assertEquals(eager.complete(), lazy.complete(), stream);
    assertEquals(eager.hasContent(), lazy.hasContent(), stream);
    assertEquals(eager.stopReason(), lazy.stopReason(), stream);
    assertEquals(eager.toolCallInProgress(), lazy.toolCallInProgress(), stream);
    assertEquals(eager.partialText(), lazy.partialText(), stream);
    assertEquals(eager.responseId(), lazy.responseId(), stream);
    assertEquals(eager.model(), lazy.model(), stream);
    assertEquals(eager.outputTokensEstimate(), lazy.outputTokensEstimate(), stream);
  }

  private static final String[] WORDS = {"a", " b", "\\n", "é", "日本", "\\\"q\\\"", "🍵", "", " usage", "\\\"usage\\\""};

  private static String word(Random random) {
    return WORDS[random.nextInt(WORDS.length)];
  }

  private static String chatChunk(int index, String delta, String finish, String more) {
    return "data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{"
        + "\"index\":" + index + ",\"delta\":" + delta + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish
        + "\"") + "}]" + more + "}\n\n";
  }

  private static String randomChatEvent(Random random, int n) {
    int index = random.nextInt(n);
    String usage = ",\"usage\":{\"prompt_tokens\":" + random.nextInt(50) + ",\"completion_tokens\":" + random.nextInt(50)
        + "}";
    return switch (random.nextInt(14)) {
      case 0 -> chatChunk(index, "{\"role\":\"assistant\",\"content\":\"\"}", null, "");
      case 1 -> chatChunk(index, "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":\"f\","
          + "\"arguments\":\"{}\"}}]}", null, "");
      case 2 -> chatChunk(index, "{\"refusal\":\"no\"}", null, "");
      case 3 -> chatChunk(index, "{}", random.nextBoolean() ? "stop" : "tool_calls", "");
      case 4 -> "data: {\"id\":\"" + ID + "\",\"choices\":[]" + usage + "}\n\n";
      case 5 -> chatChunk(index, "{\"content\":\"" + word(random) + "\"}", random.nextBoolean() ? "length" : null, usage);
      case 6 -> chatChunk(index, "{\"content\":\"" + word(random) + "\"}", null, ",\"usage\":null");
      case 7 -> "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]" + usage + ",\"error\":{\"message\":\"e\"}}\n\n";
      case 8 -> "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"y\"}}],\"usage\":{\"prompt_tokens\":1\n\n";
      case 9 -> ": keep-alive\n\n";
      case 10 -> random.nextInt(4) == 0 ? "data: [DONE]\n\n" : chatChunk(index, "{\"content\":\"z\"}", null, "");
      case 11 -> "data: {\"id\":\"other\",\"model\":\"m2\",\"created\":9,\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
          + word(random) + "\"}}]}\n\n";
      default -> chatChunk(index, "{\"content\":\"" + word(random) + "\"}", null, "");
    };
  }

  private static String randomMessagesEvent(Random random, int nextBlock) {
    int open = Math.max(0, nextBlock - 1);
    return switch (random.nextInt(14)) {
      case 0 -> messageStart("msg_" + random.nextInt(3));
      case 1 -> textStart(nextBlock);
      case 2 -> blockStart(nextBlock, "{\"type\":\"text\",\"text\":\"" + word(random) + "\"}");
      case 3 -> blockStart(nextBlock, "{\"type\":\"thinking\",\"thinking\":\"\"}");
      case 4 -> blockStart(nextBlock, "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}");
      case 5 -> blockStop(open);
      case 6 -> anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + open
          + ",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"" + word(random) + "\"}}");
      case 7 -> anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + open
          + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}");
      case 8 -> messageDelta(random.nextBoolean() ? "end_turn" : "tool_use", random.nextInt(100));
      case 9 -> random.nextInt(3) == 0 ? messageStop() : anthropic("ping", "{\"type\":\"ping\"}");
      case 10 -> anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + open
          + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"broken");
      case 11 -> anthropic("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + open
          + ",\"delta\":{\"type\":\"citations_delta\",\"citation\":{}}}");
      default -> textDelta(open, word(random));
    };
  }
}
