package dev.rebound.gateway.wire.anthropic;

import static dev.rebound.gateway.stream.RecordedStreams.jsonObject;
import static dev.rebound.gateway.stream.RecordedStreams.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.RecordedStreams;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import org.junit.jupiter.api.Test;

class AnthropicContinuationTest {
  private static final WireFormat MESSAGES = WireFormats.ANTHROPIC_MESSAGES;

  @Test
  void anthropicPrefillsThePartialTextWithoutItsTrailingWhitespace() {
    ObjectNode original = jsonObject("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"stream\":true,"
        + "\"system\":\"Be brief.\",\"metadata\":{\"user_id\":\"u1\"},\"x_vendor\":[1,2],"
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":512},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"What does the café serve?\"}]}");
    String before = original.toString();
    StreamTranscript t = observed(MESSAGES, RecordedStreams.anthropicOriginalCut());

    ObjectNode body = MESSAGES.continuation(original, t);

    assertEquals(jsonObject("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":" + (1024 - t.outputTokensEstimate())
        + ",\"stream\":true,\"system\":\"Be brief.\",\"metadata\":{\"user_id\":\"u1\"},\"x_vendor\":[1,2],"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"What does the café serve?\"},"
        + "{\"role\":\"assistant\",\"content\":\"The café serves 日本 tea 🍵 and\"}]}"), body);
    assertEquals(" ", AnthropicContinuation.trimmedSuffix(t));
    assertEquals(before, original.toString(), "the original request is left as it was");
  }

  @Test
  void anthropicExtendsAPrefillTheClientAlreadySent() {
    ObjectNode original = jsonObject("{\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"List\"},"
        + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"1.\"}]}]}");
    StreamTranscript t = observed(MESSAGES, RecordedStreams.messageStart("msg_1")
        + RecordedStreams.textStart(0) + RecordedStreams.textDelta(0, " apples\\n2."));

    ObjectNode body = MESSAGES.continuation(original, t);

    assertEquals(2, body.get("messages").size());
    assertEquals("1. apples\n2.", body.at("/messages/1/content/0/text").textValue());
    assertEquals("1.", original.at("/messages/1/content/0/text").textValue());
  }

  @Test
  void withNoTextYetTheContinuationIsThePlainOriginalRequest() {
    ObjectNode original = jsonObject("{\"max_tokens\":50,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":20},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    StreamTranscript t = observed(MESSAGES, RecordedStreams.messageStart("msg_1"));

    assertEquals(original, MESSAGES.continuation(original, t));
    assertTrue(AnthropicContinuation.trimmedSuffix(t).isEmpty());
  }
}
