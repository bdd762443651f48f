package dev.rebound.gateway.wire.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.SseParser;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Delta events, which come by the hundred, are read from their bytes; every other event, and a delta a server sends
 * without an {@code event:} line, as a tree. Both readings must leave the transcript the same.
 */
class ResponsesTranscriptTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final OpenAiResponses format = new OpenAiResponses();

  /** A reasoning item, a message item with escaped text and a refusal, then a function call cut mid-arguments. */
  private static List<String> cutStream() {
    List<String> data = new ArrayList<>();
    int s = 0;
    String response = "\"response\":{\"id\":\"resp_T\",\"created_at\":5,\"status\":\"in_progress\",\"model\":\"gpt-5\"}";
    data.add(data("response.created", response, s++));
    data.add(data("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"rs_1\",\"type\":\"reasoning\"}", s++));
    data.add(data("response.reasoning_summary_text.delta", "\"output_index\":0,\"delta\":\"Think \\\"hard\\\"\"", s++));
    data.add(data("response.output_item.done", "\"output_index\":0,\"item\":{\"id\":\"rs_1\",\"type\":\"reasoning\"}", s++));
    data.add(data("response.output_item.added", "\"output_index\":1,\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}", s++));
    data.add(data("response.output_text.delta", "\"item_id\":\"msg_1\",\"output_index\":1,\"content_index\":0,"
        + "\"delta\":\"Caf\\u00e9 \\ud83c\\udf75\\n{\\\"a\\\":1}\"", s++));
    data.add(data("response.output_text.delta", "\"output_index\":1,\"delta\":\"\"", s++));
    data.add(data("response.output_text.delta", "\"output_index\":7,\"delta\":\" elsewhere\"", s++));
    data.add(data("response.refusal.delta", "\"output_index\":1,\"delta\":\" no\"", s++));
    data.add(data("response.output_item.done", "\"output_index\":1,\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}", s++));
    data.add(data("response.output_item.added", "\"output_index\":2,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\"}", s++));
    data.add(data("response.function_call_arguments.delta", "\"output_index\":2,\"delta\":\"{\\\"path\\\":\"", s + 40));
    data.add("{\"type\":\"response.output_text.delta\",\"delta\":\"broken");
    return data;
  }

  private static String data(String type, String fields, int sequence) {
    return "{\"type\":\"" + type + "\"," + fields + ",\"sequence_number\":" + sequence + "}";
  }

  private ResponsesTranscript observed(List<String> data, boolean eventLines) {
    StringBuilder wire = new StringBuilder();
    for (String d : data) {
      String type = d.startsWith("{\"type\":\"") ? d.substring(9, d.indexOf('"', 9)) : null;
      wire.append(eventLines && type != null ? "event: " + type + "\n" : "").append("data: ").append(d).append("\n\n");
    }
    ResponsesTranscript t = (ResponsesTranscript) format.transcript(JSON.createObjectNode());
    // as read from an upstream: the events' bytes, several per read
    for (SseEvent e : new SseParser().feed(Buffer.buffer(wire.toString()))) t.observe(e);
    return t;
  }

  @Test
  void deltasReadFromTheirBytesLeaveTheTranscriptAsTheTreeReadingDoes() {
    ResponsesTranscript bytes = observed(cutStream(), true);
    ResponsesTranscript tree = observed(cutStream(), false);
    assertEquals("Café 🍵\n{\"a\":1} elsewhere", bytes.partialText());
    assertEquals(tree.partialText(), bytes.partialText());
    assertEquals(tree.openText(), bytes.openText());
    assertEquals("", bytes.openText(), "the function call's arguments are not text");
    assertEquals(51, bytes.lastSequence(), "the highest sequence number seen, the cut delta's");
    assertEquals(tree.lastSequence(), bytes.lastSequence());
    assertEquals(2, bytes.openIndex());
    assertEquals(tree.itemCount(), bytes.itemCount());
    assertTrue(bytes.hasContent() && tree.hasContent());
    assertTrue(bytes.toolCallInProgress() && tree.toolCallInProgress());
    assertFalse(bytes.complete());
  }

  @Test
  void theOpenMessageKeepsItsOwnTextAndARefusal() {
    List<String> data = cutStream().subList(0, 9);
    ResponsesTranscript bytes = observed(data, true);
    ResponsesTranscript tree = observed(data, false);
    assertEquals("Café 🍵\n{\"a\":1} no", bytes.openText(), "a delta of another output index is not the open item's");
    assertEquals(tree.openText(), bytes.openText());
    assertFalse(bytes.toolCallInProgress());
  }
}
