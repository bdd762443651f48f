package dev.rebound.gateway.wire.openai;

import static dev.rebound.gateway.stream.RecordedStreams.jsonObject;
import static dev.rebound.gateway.stream.RecordedStreams.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.RecordedStreams;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import org.junit.jupiter.api.Test;

class OpenAiContinuationTest {
  private static final WireFormat CHAT = WireFormats.OPENAI_CHAT;

  @Test
  void openAiAddsThePartialAnswerAndAnInstructionToContinue() {
    ObjectNode original = jsonObject("{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"max_completion_tokens\":20,\"user\":\"u1\",\"messages\":[{\"role\":\"user\",\"content\":\"Menu?\"}]}");
    StreamTranscript t = observed(CHAT, RecordedStreams.openAiOriginalCut());

    ObjectNode body = CHAT.continuation(original, t);

    assertEquals(jsonObject("{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"max_completion_tokens\":16,\"user\":\"u1\",\"messages\":[{\"role\":\"user\",\"content\":\"Menu?\"},"
        + "{\"role\":\"assistant\",\"content\":\"The café serves 日本 tea 🍵 and\"},"
        + "{\"role\":\"user\",\"content\":\"" + OpenAiContinuation.INSTRUCTION + "\"}]}"), body);
    assertEquals(t.partialText(), body.at("/messages/1/content").textValue(), "no prefill, so nothing is trimmed");
    assertEquals(1, original.get("messages").size());
  }

  @Test
  void openAiKeepsTrailingWhitespaceAndLowersMaxTokens() {
    ObjectNode original = jsonObject("{\"max_tokens\":1000,\"messages\":[]}");
    StreamTranscript t = observed(CHAT, RecordedStreams.openAiText("c", 1, "Hello, "));

    ObjectNode body = CHAT.continuation(original, t);

    assertEquals(998, body.get("max_tokens").intValue());
    assertEquals("Hello, ", body.at("/messages/0/content").textValue());
    assertFalse(body.has("max_completion_tokens"));
  }
}
