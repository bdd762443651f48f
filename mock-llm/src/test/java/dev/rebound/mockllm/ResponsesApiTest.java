package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mock-llm as a backend that speaks OpenAI's Responses API. */
class ResponsesApiTest extends MockLlmHttpTest {

  private static final String PATH = "/v1/responses";

  static JsonObject request(String input) {
    return new JsonObject().put("model", "gpt-5").put("input", input);
  }

  static JsonObject weatherTool() {
    return new JsonObject().put("type", "function").put("name", "get_weather").put("parameters", new JsonObject()
        .put("type", "object").put("properties", new JsonObject().put("city", new JsonObject().put("type", "string")))
        .put("required", new JsonArray().add("city")));
  }

  @Test
  void answersWithAResponseHoldingOneMessageItem() throws Exception {
    HttpResponse<Buffer> response = post(PATH, request("What is up").put("instructions", "Be brief."));
    assertEquals(200, response.statusCode());
    JsonObject r = response.bodyAsJsonObject();
    assertTrue(r.getString("id").startsWith("resp_"));
    assertEquals("response", r.getString("object"));
    assertEquals("completed", r.getString("status"));
    JsonObject item = r.getJsonArray("output").getJsonObject(0);
    assertEquals("message", item.getString("type"));
    assertEquals("Mock reply to: What is up word7 word8 word9 word10 word11 word12",
        item.getJsonArray("content").getJsonObject(0).getString("text"));
    assertTrue(r.getJsonObject("usage").getInteger("input_tokens") > 0);
    assertTrue(r.getJsonObject("usage").getInteger("output_tokens") >= 12);
  }

  @Test
  void streamsTheResponseEventsInOpenAisOrderEachNumbered() throws Exception {
    HttpResponse<Buffer> response = post(PATH, request("Hi").put("stream", true));
    assertEquals("text/event-stream", response.getHeader("content-type"));
    List<String> names = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int sequence = 0;
    for (SseEvent event : sse(response.bodyAsString())) {
      names.add(event.event());
      assertEquals(event.event(), event.json().getString("type"));
      assertEquals(sequence++, event.json().getInteger("sequence_number"));
      if (event.event().equals("response.output_text.delta")) text.append(event.json().getString("delta"));
    }
    List<String> expected = new ArrayList<>(List.of("response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added"));
    for (int i = 0; i < 12; i++) expected.add("response.output_text.delta");
    expected.addAll(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed"));
    assertEquals(expected, names);
    assertEquals("Mock reply to: Hi word5 word6 word7 word8 word9 word10 word11 word12", text.toString());
  }

  @Test
  void callsTheFirstFunctionToolWithSchemaShapedArgumentsThenAnswersItsOutput() throws Exception {
    JsonObject first = post(PATH, request("Weather?").put("tools", new JsonArray().add(weatherTool()))).bodyAsJsonObject();
    JsonObject call = first.getJsonArray("output").getJsonObject(0);
    assertEquals("function_call", call.getString("type"));
    assertEquals("get_weather", call.getString("name"));
    assertEquals(new JsonObject().put("city", "mock"), new JsonObject(call.getString("arguments")));
    assertTrue(call.getString("call_id").startsWith("call_"));

    JsonArray input = new JsonArray().add(new JsonObject().put("role", "user").put("content", "Weather?"))
        .add(call).add(new JsonObject().put("type", "function_call_output").put("call_id", call.getString("call_id"))
            .put("output", "18 C"));
    JsonObject second = post(PATH, new JsonObject().put("model", "gpt-5").put("input", input)
        .put("tools", new JsonArray().add(weatherTool()))).bodyAsJsonObject();
    assertEquals("message", second.getJsonArray("output").getJsonObject(0).getString("type"));
  }

  @Test
  void aFaultMidStreamIsAnErrorEvent() throws Exception {
    addFaults(new JsonObject().put("streamErrorAfterChunks", 2));
    HttpResponse<Buffer> response = post(PATH, request("Hi").put("stream", true));
    List<SseEvent> events = sse(response.bodyAsString());
    SseEvent last = events.get(events.size() - 1);
    assertEquals("error", last.event());
    assertEquals("server_error", last.json().getString("code"));
  }

  @Test
  void aMissingInputIsRefusedInOpenAisErrorShape() throws Exception {
    HttpResponse<Buffer> response = post(PATH, new JsonObject().put("model", "gpt-5"));
    assertEquals(400, response.statusCode());
    assertEquals("input", response.bodyAsJsonObject().getJsonObject("error").getString("param"));
  }
}
