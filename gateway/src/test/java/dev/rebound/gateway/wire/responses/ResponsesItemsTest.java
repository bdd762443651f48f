package dev.rebound.gateway.wire.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Responses conversation as a session stores it (one message per turn part), and back to input items. */
class ResponsesItemsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void anAnswersItemsAreOneAssistantMessageAndTheirOutputsOneToolMessage() throws Exception {
    JsonNode input = json("""
        [{"role":"developer","content":"rules"},
         {"type":"message","role":"user","content":[{"type":"input_text","text":"list files"}]},
         {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"xyz"},
         {"type":"function_call","call_id":"c1","name":"shell","arguments":"{\\"cmd\\":\\"ls\\"}"},
         {"type":"function_call","call_id":"c2","name":"shell","arguments":"{\\"cmd\\":\\"pwd\\"}"},
         {"type":"function_call_output","call_id":"c1","output":"a.txt"},
         {"type":"function_call_output","call_id":"c2","output":"/work"},
         {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Two things."}]},
         {"role":"user","content":"thanks"}]""");
    ArrayNode session = ResponsesItems.toSession(input);
    assertEquals(6, session.size(), session.toPrettyString());
    assertEquals(List.of("developer", "user", "assistant", "tool", "assistant", "user"),
        java.util.stream.StreamSupport.stream(session.spliterator(), false).map(m -> m.path("role").asText()).toList());
    assertEquals(3, session.get(2).get("output").size(), "reasoning and both calls: one answer");
    assertEquals(2, session.get(3).get("output").size(), "both outputs: one tool message");
    assertEquals(input, ResponsesItems.toItems(session), "and back, item for item");
  }

  @Test
  void aStringInputIsOneUserMessageAndAStoredTurnLeavesItsResponseIdBehind() throws Exception {
    assertEquals(json("[{\"role\":\"user\",\"content\":\"hi\"}]"), ResponsesItems.input(json("{\"input\":\"hi\"}")));
    JsonNode stored = json("""
        [{"role":"user","content":"hi"},
         {"role":"assistant","response_id":"resp_1","output":[{"type":"message","role":"assistant",
          "content":[{"type":"output_text","text":"Hello."}]}]}]""");
    assertEquals(json("""
        [{"role":"user","content":"hi"},
         {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hello."}]}]"""),
        ResponsesItems.toItems(stored));
  }
}
