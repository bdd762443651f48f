package dev.rebound.gateway.stream;

import static dev.rebound.gateway.stream.RecordedStreams.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import org.junit.jupiter.api.Test;

class ContinuationRequestTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode json(String text) throws Exception {
    return (ObjectNode) JSON.readTree(text);
  }

  @Test
  void anthropicPrefillsThePartialTextWithoutItsTrailingWhitespace() throws Exception {
    ObjectNode original = json("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"stream\":true,"
        + "\"system\":\"Be brief.\",\"metadata\":{\"user_id\":\"u1\"},\"x_vendor\":[1,2],"
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":512},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"What does the café serve?\"}]}");
    String before = original.toString();
    StreamTranscript t = observed(Protocol.ANTHROPIC, RecordedStreams.anthropicOriginalCut());

    ObjectNode body = ContinuationRequest.build(Protocol.ANTHROPIC, original, t);

    assertEquals(json("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":" + (1024 - t.outputTokensEstimate())
        + ",\"stream\":true,\"system\":\"Be brief.\",\"metadata\":{\"user_id\":\"u1\"},\"x_vendor\":[1,2],"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"What does the café serve?\"},"
        + "{\"role\":\"assistant\",\"content\":\"The café serves 日本 tea 🍵 and\"}]}"), body);
    assertEquals(" ", ContinuationRequest.trimmedSuffix(Protocol.ANTHROPIC, t));
    assertEquals(before, original.toString(), "the original request is left as it was");
  }

  @Test
  void anthropicExtendsAPrefillTheClientAlreadySent() throws Exception {
    ObjectNode original = json("{\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"List\"},"
        + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"1.\"}]}]}");
    StreamTranscript t = observed(Protocol.ANTHROPIC, RecordedStreams.messageStart("msg_1")
        + RecordedStreams.textStart(0) + RecordedStreams.textDelta(0, " apples\\n2."));

    ObjectNode body = ContinuationRequest.build(Protocol.ANTHROPIC, original, t);

    assertEquals(2, body.get("messages").size());
    assertEquals("1. apples\n2.", body.at("/messages/1/content/0/text").textValue());
    assertEquals("1.", original.at("/messages/1/content/0/text").textValue());
  }

  @Test
  void openAiAddsThePartialAnswerAndAnInstructionToContinue() throws Exception {
    ObjectNode original = json("{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"max_completion_tokens\":20,\"user\":\"u1\",\"messages\":[{\"role\":\"user\",\"content\":\"Menu?\"}]}");
    StreamTranscript t = observed(Protocol.OPENAI, RecordedStreams.openAiOriginalCut());

    ObjectNode body = ContinuationRequest.build(Protocol.OPENAI, original, t);

    assertEquals(json("{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"max_completion_tokens\":16,\"user\":\"u1\",\"messages\":[{\"role\":\"user\",\"content\":\"Menu?\"},"
        + "{\"role\":\"assistant\",\"content\":\"The café serves 日本 tea 🍵 and\"},"
        + "{\"role\":\"user\",\"content\":\"" + ContinuationRequest.OPENAI_INSTRUCTION + "\"}]}"), body);
    assertEquals("", ContinuationRequest.trimmedSuffix(Protocol.OPENAI, t));
    assertEquals(1, original.get("messages").size());
  }

  @Test
  void openAiKeepsTrailingWhitespaceAndLowersMaxTokens() throws Exception {
    ObjectNode original = json("{\"max_tokens\":1000,\"messages\":[]}");
    StreamTranscript t = observed(Protocol.OPENAI, RecordedStreams.openAiText("c", 1, "Hello, "));

    ObjectNode body = ContinuationRequest.build(Protocol.OPENAI, original, t);

    assertEquals(998, body.get("max_tokens").intValue());
    assertEquals("Hello, ", body.at("/messages/0/content").textValue());
    assertFalse(body.has("max_completion_tokens"));
  }

  @Test
  void withNoTextYetTheContinuationIsThePlainOriginalRequest() throws Exception {
    ObjectNode original = json("{\"max_tokens\":50,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":20},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    StreamTranscript t = observed(Protocol.ANTHROPIC, RecordedStreams.messageStart("msg_1"));

    assertEquals(original, ContinuationRequest.build(Protocol.ANTHROPIC, original, t));
    assertTrue(ContinuationRequest.trimmedSuffix(Protocol.ANTHROPIC, t).isEmpty());
  }
}
