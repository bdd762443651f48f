package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.wire.translate.ResponsesToChatRequestTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Chat Completions answer, whole and streamed, read as a Responses response and its event family. */
class ChatToResponsesTest {
  private static final ObjectNode CLIENT = json("{\"model\":\"gpt-5\",\"input\":\"x\",\"stream\":true,"
      + "\"tools\":[{\"type\":\"function\",\"name\":\"w\"},{\"type\":\"custom\",\"name\":\"apply_patch\"}]}");

  static SseEvent chunk(String delta, String finish) {
    return SseEvent.of(null, "{\"id\":\"chatcmpl-42\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"qwen\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"") + "}]}");
  }

  static final SseEvent USAGE = SseEvent.of(null, "{\"id\":\"chatcmpl-42\",\"choices\":[],"
      + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3,\"total_tokens\":13}}");

  static List<JsonNode> feed(StreamTranslator t, SseEvent... events) {
    List<JsonNode> out = new ArrayList<>();
    for (SseEvent e : events) for (SseEvent r : t.translate(e)) out.add(r.json());
    return out;
  }

  static List<String> types(List<JsonNode> events) {
    return events.stream().map(e -> e.get("type").asText()).toList();
  }

  @Test
  void aWholeAnswerBecomesAResponseWithAMessageAndFunctionCallItems() {
    ObjectNode r = ChatToResponsesAnswer.translate(CLIENT, json("{\"id\":\"chatcmpl-42\",\"created\":1700000000,"
        + "\"model\":\"qwen\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Sure.\","
        + "\"tool_calls\":[{\"id\":\"call_9\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}},"
        + "{\"id\":\"call_10\",\"type\":\"function\",\"function\":{\"name\":\"apply_patch\",\"arguments\":\"{\\\"input\\\":\\\"P\\\"}\"}}]},"
        + "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":4}}}"));
    assertEquals("resp_42", r.get("id").asText());
    assertEquals("completed", r.get("status").asText());
    JsonNode output = r.get("output");
    assertEquals("Sure.", output.get(0).get("content").get(0).get("text").asText());
    assertEquals(json("{\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_9\",\"name\":\"w\","
        + "\"arguments\":\"{}\"}"), withoutId(output.get(1)));
    assertEquals(json("{\"type\":\"custom_tool_call\",\"status\":\"completed\",\"call_id\":\"call_10\","
        + "\"name\":\"apply_patch\",\"input\":\"P\"}"), withoutId(output.get(2)));
    assertEquals("{\"input_tokens\":10,\"input_tokens_details\":{\"cached_tokens\":4},\"output_tokens\":3,"
        + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":13}", r.get("usage").toString());
    assertEquals(CLIENT.get("tools"), r.get("tools"), "the request's settings are echoed");
  }

  @Test
  void aCallOfANamespacedToolComesBackWithItsNamespace() {
    ObjectNode client = json("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"namespace\",\"name\":\"agents\","
        + "\"tools\":[{\"type\":\"function\",\"name\":\"spawn\"}]}]}");
    ObjectNode r = ChatToResponsesAnswer.translate(client, json("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"agents__spawn\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}"));
    JsonNode call = r.get("output").get(0);
    assertEquals("agents", call.get("namespace").asText());
    assertEquals("spawn", call.get("name").asText());
  }

  @Test
  void aLengthStopIsAnIncompleteResponseForMaxOutputTokens() {
    ObjectNode r = ChatToResponsesAnswer.translate(CLIENT, json("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"Cut\"},\"finish_reason\":\"length\"}]}"));
    assertEquals("incomplete", r.get("status").asText());
    assertEquals("max_output_tokens", r.get("incomplete_details").get("reason").asText());
  }

  @Test
  void aTextStreamIsTheWholeEventFamilyInOrderEachNumbered() {
    ChatToResponsesStream t = new ChatToResponsesStream(CLIENT);
    List<JsonNode> out = feed(t, chunk("{\"role\":\"assistant\",\"content\":\"\"}", null), chunk("{\"content\":\"Hel\"}", null),
        chunk("{\"content\":\"lo\"}", null), chunk("{}", "stop"), USAGE, SseEvent.of(null, "[DONE]"));
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"),
        types(out));
    for (int i = 0; i < out.size(); i++) assertEquals(i, out.get(i).get("sequence_number").asInt());
    String itemId = out.get(2).get("item").get("id").asText();
    assertTrue(itemId.startsWith("msg_"), itemId);
    assertEquals(itemId, out.get(4).get("item_id").asText());
    assertEquals("Hello", out.get(6).get("text").asText());
    JsonNode response = out.get(9).get("response");
    assertEquals("resp_42", response.get("id").asText());
    assertEquals("Hello", response.get("output").get(0).get("content").get(0).get("text").asText());
    assertEquals(itemId, response.get("output").get(0).get("id").asText());
    assertEquals(3, response.get("usage").get("output_tokens").asInt());
  }

  @Test
  void toolCallsStreamAsArgumentDeltasOfOneItemEachAndCustomToolsSendTheirInputWhole() {
    ChatToResponsesStream t = new ChatToResponsesStream(CLIENT);
    List<JsonNode> out = feed(t,
        chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"apply_patch\",\"arguments\":\"{\\\"input\\\":\"}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"P\\\"}\"}}]}", null),
        chunk("{}", "tool_calls"), SseEvent.of(null, "[DONE]"));
    assertEquals(List.of("response.created", "response.in_progress",
        "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.output_item.added", "response.custom_tool_call_input.delta", "response.custom_tool_call_input.done",
        "response.output_item.done", "response.completed"), types(out));
    assertEquals("{\"a\":1}", out.get(5).get("arguments").asText());
    assertEquals("call_1", out.get(6).get("item").get("call_id").asText());
    assertEquals(1, out.get(7).get("output_index").asInt());
    assertEquals("P", out.get(9).get("input").asText());
    assertEquals(2, out.get(11).get("response").get("output").size());
  }

  @Test
  void reasoningStreamsAsASummaryBeforeTheMessage() {
    ChatToResponsesStream t = new ChatToResponsesStream(CLIENT);
    List<JsonNode> out = feed(t, chunk("{\"reasoning_content\":\"Think\"}", null), chunk("{\"content\":\"Hi\"}", null),
        chunk("{}", "stop"), SseEvent.of(null, "[DONE]"));
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"),
        types(out));
    assertEquals("Think", out.get(7).get("item").get("summary").get(0).get("text").asText());
  }

  @Test
  void anErrorChunkBecomesAnErrorEventWithTheBackendsCodeAndWords() {
    ChatToResponsesStream t = new ChatToResponsesStream(CLIENT);
    List<JsonNode> out = feed(t, chunk("{\"content\":\"Hi\"}", null), SseEvent.of(null,
        "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"));
    JsonNode error = out.get(out.size() - 1);
    assertEquals("error", error.get("type").asText());
    assertEquals("rate_limit_exceeded", error.get("code").asText());
    assertEquals("Rate limit reached", error.get("message").asText());
  }

  @Test
  void aResponsesClientOnAnAnthropicBackendGoesThroughBothTranslations() {
    Translation t = Translations.between(dev.rebound.routing.Protocol.OPENAI_RESPONSES, dev.rebound.routing.Protocol.ANTHROPIC);
    ObjectNode request = t.request(json("{\"model\":\"m\",\"instructions\":\"Sys\",\"input\":\"hi\",\"stream\":true}"), 512,
        d -> { });
    assertEquals(json("{\"model\":\"m\",\"system\":\"Sys\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"max_tokens\":512,\"stream\":true}"), request);
    StreamTranslator s = t.stream(json("{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}"));
    List<JsonNode> out = feed(s,
        SseEvent.of("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude\","
            + "\"usage\":{\"input_tokens\":5,\"output_tokens\":0}}}"),
        SseEvent.of("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
        SseEvent.of("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Yo\"}}"),
        SseEvent.of("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
        SseEvent.of("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}"),
        SseEvent.of("message_stop", "{\"type\":\"message_stop\"}"));
    assertEquals("response.completed", out.get(out.size() - 1).get("type").asText());
    JsonNode response = out.get(out.size() - 1).get("response");
    assertEquals("Yo", response.get("output").get(0).get("content").get(0).get("text").asText());
    assertEquals(5, response.get("usage").get("input_tokens").asInt());
    assertEquals(2, response.get("usage").get("output_tokens").asInt());
  }

  private static JsonNode withoutId(JsonNode item) {
    ObjectNode copy = item.deepCopy();
    copy.remove("id");
    return copy;
  }
}
