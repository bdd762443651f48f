package dev.rebound.gateway.wire.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cut Responses stream as the client received it, and a continuation spliced into the same response and item. */
class ResponsesSplicerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final OpenAiResponses format = new OpenAiResponses();

  static SseEvent event(String type, String fields, int sequence) {
    return SseEvent.of(type, "{\"type\":\"" + type + "\"" + (fields.isEmpty() ? "" : "," + fields)
        + ",\"sequence_number\":" + sequence + "}");
  }

  /** One answer of one message item, as a server streams it, from the given response and item ids. */
  static List<SseEvent> answer(String responseId, String itemId, List<String> deltas) {
    List<SseEvent> out = new ArrayList<>();
    int s = 0;
    String response = "\"response\":{\"id\":\"" + responseId + "\",\"object\":\"response\",\"created_at\":100,"
        + "\"status\":\"in_progress\",\"model\":\"gpt-5\",\"output\":[]}";
    out.add(event("response.created", response, s++));
    out.add(event("response.in_progress", response, s++));
    out.add(event("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"" + itemId
        + "\",\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}", s++));
    out.add(event("response.content_part.added", "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
        + "\"part\":{\"type\":\"output_text\",\"text\":\"\"}", s++));
    StringBuilder text = new StringBuilder();
    for (String d : deltas) {
      text.append(d);
      out.add(event("response.output_text.delta", "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
          + "\"delta\":\"" + d + "\"", s++));
    }
    String part = "{\"type\":\"output_text\",\"text\":\"" + text + "\"}";
    out.add(event("response.output_text.done", "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
        + "\"text\":\"" + text + "\"", s++));
    out.add(event("response.content_part.done", "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
        + "\"part\":" + part, s++));
    String item = "{\"id\":\"" + itemId + "\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
        + "\"content\":[" + part + "]}";
    out.add(event("response.output_item.done", "\"output_index\":0,\"item\":" + item, s++));
    out.add(event("response.completed", "\"response\":{\"id\":\"" + responseId + "\",\"object\":\"response\","
        + "\"created_at\":200,\"status\":\"completed\",\"model\":\"gpt-5\",\"output\":[" + item + "],"
        + "\"usage\":{\"input_tokens\":9,\"output_tokens\":2,\"total_tokens\":11}}", s++));
    return out;
  }

  @Test
  void theTranscriptKnowsTheTextTheOpenItemAndThatNoStopCameYet() {
    StreamTranscript t = format.transcript(JSON.createObjectNode());
    answer("resp_A", "msg_A", List.of("Hello", " wor")).subList(0, 6).forEach(t::observe);
    assertEquals("Hello wor", t.partialText());
    assertEquals("resp_A", t.responseId());
    assertNull(t.stopReason());
    assertFalse(t.complete());
    assertFalse(t.toolCallInProgress());
  }

  @Test
  void theContinuationJoinsTheOpenMessageWithTheClientsIdsAndNumbersFollowOn() throws Exception {
    StreamTranscript t = format.transcript(JSON.createObjectNode());
    AssistantMessageBuilder message = format.messageBuilder();
    List<SseEvent> sent = new ArrayList<>(answer("resp_A", "msg_A", List.of("Hello", " wor")).subList(0, 6));
    sent.forEach(t::observe);
    sent.forEach(message::observe);
    StreamSplicer splicer = t.splicer();
    for (SseEvent e : answer("resp_B", "msg_B", List.of("ld", "!"))) {
      for (SseEvent out : splicer.spliceEvents(e)) {
        sent.add(out);
        t.observe(out);
        message.observe(out);
      }
    }
    List<String> types = new ArrayList<>();
    StringBuilder deltas = new StringBuilder();
    for (int i = 0; i < sent.size(); i++) {
      JsonNode d = sent.get(i).json();
      types.add(d.get("type").asText());
      assertEquals(i, d.get("sequence_number").asInt(), "numbered on from the client's last: " + d);
      if (d.has("item_id")) assertEquals("msg_A", d.get("item_id").asText());
      if (d.has("output_index")) assertEquals(0, d.get("output_index").asInt());
      if (types.get(i).equals("response.output_text.delta")) deltas.append(d.get("delta").asText());
    }
    assertEquals(1, types.stream().filter("response.created"::equals).count());
    assertEquals(1, types.stream().filter("response.output_item.added"::equals).count());
    assertEquals("Hello world!", deltas.toString());
    JsonNode textDone = sent.stream().map(SseEvent::json).filter(d -> d.get("type").asText().equals("response.output_text.done"))
        .findFirst().orElseThrow();
    assertEquals("Hello world!", textDone.get("text").asText());
    JsonNode completed = sent.get(sent.size() - 1).json().get("response");
    assertEquals("resp_A", completed.get("id").asText());
    assertEquals(100, completed.get("created_at").asInt(), "the time of the response the client saw created");
    assertEquals("msg_A", completed.get("output").get(0).get("id").asText());
    assertEquals("Hello world!", completed.get("output").get(0).get("content").get(0).get("text").asText());
    assertEquals(2 + 3, completed.get("usage").get("output_tokens").asInt(), "the earlier output is counted in");
    assertTrue(t.complete());
    assertEquals("completed", t.stopReason());
    assertEquals("Hello world!", JSON.readTree(message.message()).get("output").get(0).get("content").get(0).get("text").asText());
  }

  @Test
  void theContinuationRequestAddsThePartialAnswerAndAsksToGoOn() throws Exception {
    StreamTranscript t = format.transcript(JSON.createObjectNode());
    answer("resp_A", "msg_A", List.of("Hello", " wor")).subList(0, 6).forEach(t::observe);
    var request = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
        "{\"model\":\"gpt-5\",\"input\":\"Say hello\",\"max_output_tokens\":100}");
    JsonNode next = format.continuation(request, t);
    assertEquals(JSON.readTree("[{\"role\":\"user\",\"content\":\"Say hello\"},{\"type\":\"message\",\"role\":\"assistant\","
        + "\"content\":[{\"type\":\"output_text\",\"text\":\"Hello wor\"}]},{\"role\":\"user\",\"content\":\""
        + ResponsesContinuation.INSTRUCTION + "\"}]"), next.get("input"));
    assertEquals(100 - t.outputTokensEstimate(), next.get("max_output_tokens").asInt());
    assertEquals("Say hello", request.get("input").asText(), "the client's request is unchanged");
  }
}
