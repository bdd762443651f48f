package dev.rebound.gateway.wire.openai;

import static dev.rebound.gateway.stream.RecordedStreams.clientStream;
import static dev.rebound.gateway.stream.RecordedStreams.json;
import static dev.rebound.gateway.stream.RecordedStreams.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.stream.RecordedStreams;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenAiSplicerTest {
  private static final WireFormat CHAT = WireFormats.OPENAI_CHAT;

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

  @Test
  void openAiContinuationReadsAsTheRestOfTheOriginalStream() {
    String client = clientStream(CHAT, RecordedStreams.openAiOriginalCut(), RecordedStreams.openAiContinuation());

    assertEquals("The café serves 日本 tea 🍵 and coffee all day.", readOpenAi(client));
    assertTrue(client.contains("\"id\":\"chatcmpl-AaBbCc\""));
    assertFalse(client.contains("chatcmpl-XxYyZz"));
  }

  @Test
  void openAiUsageCountsWhatTheClientAlreadyGot() {
    StreamTranscript t = observed(CHAT, RecordedStreams.openAiOriginalCut());
    String usage = t.splicer()
        .splice(RecordedStreams.parse(RecordedStreams.openAiUsage("chatcmpl-X", 5, 5)).get(0));
    JsonNode u = json(RecordedStreams.parse(usage).get(0).data()).get("usage");
    assertEquals(5 + t.outputTokensEstimate(), u.get("completion_tokens").intValue());
    assertEquals(36 + t.outputTokensEstimate(), u.get("total_tokens").intValue());
    assertEquals(31, u.get("prompt_tokens").intValue());
  }

  @Test
  void openAiCommentsErrorsAndDonePassAsReceived() {
    StreamSplicer splicer = observed(CHAT, RecordedStreams.openAiOriginalCut()).splicer();
    for (String raw : List.of(": keep-alive\n\n", "data: [DONE]\n\n", "data: {\"error\":{\"message\":\"boom\"}}\n\n")) {
      assertEquals(raw, splicer.splice(RecordedStreams.parse(raw).get(0)));
    }
  }
}
