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
    ResponsesTranscript t = transcript();
    for (SseEvent e : events(data, eventLines)) t.observe(e);
    return t;
  }

  private ResponsesTranscript transcript() {
    return (ResponsesTranscript) format.transcript(JSON.createObjectNode());
  }

  /** The events as read from an upstream: their bytes, several per read. */
  private static List<SseEvent> events(List<String> data, boolean eventLines) {
    StringBuilder wire = new StringBuilder();
    for (String d : data) {
      String type = d.startsWith("{\"type\":\"") ? d.substring(9, d.indexOf('"', 9)) : null;
      wire.append(eventLines && type != null ? "event: " + type + "\n" : "").append("data: ").append(d).append("\n\n");
    }
    return new SseParser().feed(Buffer.buffer(wire.toString()));
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
  void onRandomStreamsEveryEventReadFromItsBytesTeachesWhatItsTreeDoes() {
    java.util.Random random = new java.util.Random(39);
    for (int round = 0; round < 1000; round++) {
      List<String> data = new ArrayList<>();
      int length = random.nextInt(40);
      for (int i = 0; i < length; i++) data.add(randomEvent(random, i));
      String what = "round " + round + ": " + data;
      // the byte reading defers deltas; the tree reading reads every event at once. Asked the same thing at random
      // points of the stream (which reads what waits), they answer the same
      ResponsesTranscript bytes = transcript();
      ResponsesTranscript tree = transcript();
      List<SseEvent> named = events(data, true);
      List<SseEvent> unnamed = events(data, false);
      for (int i = 0; i < named.size(); i++) {
        bytes.observe(named.get(i));
        tree.observe(unnamed.get(i));
        if (random.nextInt(6) == 0) {
          String asked = what + " after event " + i;
          switch (random.nextInt(4)) {
            case 0 -> assertEquals(tree.openText(), bytes.openText(), asked);
            case 1 -> assertEquals(tree.lastSequence(), bytes.lastSequence(), asked);
            case 2 -> assertEquals(tree.partialText(), bytes.partialText(), asked);
            default -> assertEquals(tree.complete(), bytes.complete(), asked);
          }
        }
      }
      sameAnswers(tree, bytes, what);
    }
  }

  @Test
  void aLongAnswerHoldsAtMostTheBoundOfUnreadDeltasAndLosesNoneOfThem() {
    List<String> data = new ArrayList<>();
    int s = 0;
    data.add(data("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}", s++));
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      data.add(data("response.output_text.delta", "\"output_index\":0,\"delta\":\"w" + i + " \"", s++));
      expected.append('w').append(i).append(' ');
    }
    ResponsesTranscript t = transcript();
    int most = 0;
    for (SseEvent e : events(data, true)) {
      t.observe(e);
      most = Math.max(most, t.deferredBytes());
    }
    assertTrue(most > 0 && most <= dev.rebound.gateway.stream.StreamTranscript.MAX_DEFERRED_BYTES, "held " + most);
    assertEquals(expected.toString(), t.openText());
    assertEquals(expected.toString(), t.partialText());
    assertEquals(5000, t.lastSequence());
    assertEquals(0, t.deferredBytes());
  }

  @Test
  void deltasWaitingWhenTheirItemClosesAddToTheAnswerButNotToTheNextItem() {
    List<String> data = new ArrayList<>();
    int s = 0;
    data.add(data("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}", s++));
    data.add(data("response.output_text.delta", "\"output_index\":0,\"delta\":\"one \"", s++));
    data.add(data("response.output_text.delta", "\"output_index\":0,\"delta\":\"two \"", s++));
    data.add(data("response.output_item.done", "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}", s++));
    data.add(data("response.output_item.added", "\"output_index\":1,\"item\":{\"id\":\"rs_1\",\"type\":\"reasoning\"}", s++));
    data.add(data("response.reasoning_summary_text.delta", "\"output_index\":1,\"delta\":\"hmm\"", s++));
    ResponsesTranscript t = observed(data, true);
    assertTrue(t.deferredBytes() > 0, "the deltas after the first wait");
    assertEquals("hmm", t.openText());
    assertEquals("one two ", t.partialText());
    assertEquals(5, t.lastSequence());
  }

  private static void sameAnswers(ResponsesTranscript tree, ResponsesTranscript bytes, String what) {
      assertEquals(tree.usage(), bytes.usage(), what);
      assertEquals(tree.usageSeen(), bytes.usageSeen(), what);
      assertEquals(tree.complete(), bytes.complete(), what);
      assertEquals(tree.stopReason(), bytes.stopReason(), what);
      assertEquals(tree.answer(), bytes.answer(), what);
      assertEquals(tree.doneItems(), bytes.doneItems(), what);
      assertEquals(tree.responseId(), bytes.responseId(), what);
      assertEquals(tree.model(), bytes.model(), what);
      assertEquals(tree.createdAt(), bytes.createdAt(), what);
      assertEquals(tree.lastSequence(), bytes.lastSequence(), what);
      assertEquals(tree.itemCount(), bytes.itemCount(), what);
      assertEquals(tree.openIndex(), bytes.openIndex(), what);
      assertEquals(tree.openId(), bytes.openId(), what);
      assertEquals(tree.openType(), bytes.openType(), what);
      assertEquals(tree.openContentIndex(), bytes.openContentIndex(), what);
      assertEquals(tree.openText(), bytes.openText(), what);
      assertEquals(tree.partialText(), bytes.partialText(), what);
      assertEquals(tree.hasContent(), bytes.hasContent(), what);
      assertEquals(tree.toolCallInProgress(), bytes.toolCallInProgress(), what);
  }

  private static String randomEvent(java.util.Random random, int sequence) {
    int index = random.nextInt(3);
    String item = "\"item\":{\"id\":\"it_" + random.nextInt(3) + "\",\"type\":\""
        + List.of("message", "function_call", "reasoning").get(random.nextInt(3)) + "\",\"status\":\"completed\","
        + "\"content\":[{\"type\":\"output_text\",\"text\":\"t\\u00e9\"}]}";
    String usage = random.nextBoolean() ? "\"usage\":null"
        : "\"usage\":{\"input_tokens\":" + random.nextInt(90) + ",\"input_tokens_details\":{\"cached_tokens\":"
            + random.nextInt(9) + "},\"output_tokens\":" + random.nextInt(90) + "}";
    String response = "\"response\":{\"id\":\"resp_" + random.nextInt(3) + "\",\"object\":\"response\",\"created_at\":"
        + random.nextInt(100) + ",\"status\":\"" + List.of("in_progress", "completed", "incomplete").get(random.nextInt(3))
        + "\",\"error\":null,\"incomplete_details\":" + (random.nextBoolean() ? "null"
        : "{\"reason\":\"max_output_tokens\"}") + ",\"model\":\"gpt-5\",\"output\":[{\"id\":\"m\",\"content\":[]}],"
        + usage + "}";
    return switch (random.nextInt(17)) {
      case 0 -> data("response.created", response, sequence);
      case 1 -> data("response.in_progress", response, sequence);
      case 2 -> data("response.output_item.added", "\"output_index\":" + index + "," + item, sequence);
      case 3 -> data("response.content_part.added", "\"output_index\":" + index + ",\"content_index\":" + random.nextInt(2)
          + ",\"part\":{\"type\":\"output_text\",\"text\":\"\"}", sequence);
      case 4 -> data("response.output_item.done", "\"output_index\":" + index + "," + item, sequence);
      case 5 -> data("response.output_item.done", "\"output_index\":" + index, sequence);
      case 6 -> data(random.nextBoolean() ? "response.completed" : "response.incomplete", response, sequence);
      case 7 -> data("response.output_text.done", "\"output_index\":" + index + ",\"text\":\"all of it\"", sequence);
      case 8 -> "{\"type\":\"response.content_part.done\",\"sequence_number\":" + sequence + ",\"part\":{\"text\":\"x";
      case 9 -> data("response.completed", "\"response\":\"not an object\"", sequence);
      case 10 -> data("response.reasoning_summary_text.delta", "\"output_index\":" + index + ",\"delta\":\"r" + sequence
          + " \"", sequence);
      case 11 -> data("response.refusal.delta", "\"output_index\":" + index + ",\"delta\":\"no" + sequence + "\"", sequence);
      case 12 -> data("response.function_call_arguments.delta", "\"output_index\":" + index + ",\"delta\":\"{\"", sequence);
      case 13 -> data("response.output_text.delta", "\"delta\":\"u" + sequence + " \"", sequence);
      default -> data("response.output_text.delta", "\"output_index\":" + index + ",\"delta\":\"w" + sequence + " \"",
          sequence);
    };
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
