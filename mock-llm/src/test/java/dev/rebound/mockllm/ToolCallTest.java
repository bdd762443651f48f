package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallTest extends MockLlmHttpTest {

  private static final JsonObject WEATHER_SCHEMA = new JsonObject()
      .put("type", "object")
      .put("properties", new JsonObject()
          .put("city", new JsonObject().put("type", "string"))
          .put("days", new JsonObject().put("type", "integer"))
          .put("metric", new JsonObject().put("type", "boolean"))
          .put("note", new JsonObject().put("type", "string")))
      .put("required", new JsonArray().add("city").add("days").add("metric"));
  private static final JsonObject EXPECTED_ARGS =
      new JsonObject().put("city", "mock").put("days", 1).put("metric", true);

  private static JsonArray openAiTools() {
    return new JsonArray()
        .add(new JsonObject().put("type", "function").put("function", new JsonObject()
            .put("name", "get_weather").put("description", "Weather").put("parameters", WEATHER_SCHEMA)))
        .add(new JsonObject().put("type", "function").put("function", new JsonObject()
            .put("name", "get_time").put("parameters", new JsonObject().put("type", "object")
                .put("properties", new JsonObject().put("zone", new JsonObject().put("type", "string")))
                .put("required", new JsonArray().add("zone")))));
  }

  private static JsonArray anthropicTools() {
    return new JsonArray().add(new JsonObject().put("name", "get_weather").put("input_schema", WEATHER_SCHEMA));
  }

  @Test
  void openAiCallsTheFirstToolWithArgumentsBuiltFromItsSchema() throws Exception {
    JsonObject body = post("/v1/chat/completions", openAiChat("gpt-4o", "Weather?").put("tools", openAiTools()))
        .bodyAsJsonObject();

    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertEquals("tool_calls", choice.getString("finish_reason"));
    JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
    assertTrue(call.getString("id").startsWith("call_"));
    assertEquals("function", call.getString("type"));
    assertEquals("get_weather", call.getJsonObject("function").getString("name"));
    assertEquals(EXPECTED_ARGS, new JsonObject(call.getJsonObject("function").getString("arguments")));
  }

  @Test
  void openAiCallsTheToolForcedByToolChoice() throws Exception {
    JsonObject request = openAiChat("gpt-4o", "Time?").put("tools", openAiTools()).put("tool_choice",
        new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_time")));

    JsonObject function = post("/v1/chat/completions", request).bodyAsJsonObject().getJsonArray("choices")
        .getJsonObject(0).getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function");

    assertEquals("get_time", function.getString("name"));
    assertEquals(new JsonObject().put("zone", "mock"), new JsonObject(function.getString("arguments")));
  }

  @Test
  void openAiStreamsToolArgumentsInPiecesThatJoinIntoValidJson() throws Exception {
    JsonObject request = openAiChat("gpt-4o", "Weather?").put("tools", openAiTools()).put("stream", true);

    List<SseEvent> events = sse(post("/v1/chat/completions", request).bodyAsString());
    StringBuilder arguments = new StringBuilder();
    int pieces = 0;
    String finish = null;
    for (SseEvent event : events.subList(0, events.size() - 1)) {
      JsonObject choice = event.json().getJsonArray("choices").getJsonObject(0);
      JsonArray calls = choice.getJsonObject("delta").getJsonArray("tool_calls");
      if (calls != null) {
        JsonObject call = calls.getJsonObject(0);
        assertEquals(0, call.getInteger("index"));
        if (pieces == 0) {
          assertTrue(call.getString("id").startsWith("call_"));
          assertEquals("get_weather", call.getJsonObject("function").getString("name"));
        }
        arguments.append(call.getJsonObject("function").getString("arguments"));
        pieces++;
      }
      finish = choice.getString("finish_reason");
    }

    assertTrue(pieces > 2, "arguments arrive in several pieces, got " + pieces);
    assertEquals(EXPECTED_ARGS, new JsonObject(arguments.toString()));
    assertEquals("tool_calls", finish);
    assertEquals("[DONE]", events.get(events.size() - 1).data());
  }

  @Test
  void openAiAnswersWithTextOnceTheToolResultIsBack() throws Exception {
    JsonObject request = openAiChat("gpt-4o", "Weather?").put("tools", openAiTools());
    request.getJsonArray("messages")
        .add(new JsonObject().put("role", "assistant").put("content", (String) null).put("tool_calls",
            new JsonArray().add(new JsonObject().put("id", "call_1").put("type", "function")
                .put("function", new JsonObject().put("name", "get_weather").put("arguments", "{}")))))
        .add(new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "Sunny"));

    JsonObject choice = post("/v1/chat/completions", request).bodyAsJsonObject().getJsonArray("choices")
        .getJsonObject(0);

    assertEquals("stop", choice.getString("finish_reason"));
    assertNull(choice.getJsonObject("message").getValue("tool_calls"));
    assertTrue(choice.getJsonObject("message").getString("content").startsWith("Mock reply to: Weather?"));
  }

  @Test
  void anthropicAnswersWithAToolUseBlock() throws Exception {
    JsonObject message = post("/v1/messages", anthropicMessage("claude-sonnet-4-5", "Weather?")
        .put("tools", anthropicTools())).bodyAsJsonObject();

    assertEquals("tool_use", message.getString("stop_reason"));
    JsonObject block = message.getJsonArray("content").getJsonObject(0);
    assertEquals("tool_use", block.getString("type"));
    assertTrue(block.getString("id").startsWith("toolu_"));
    assertEquals("get_weather", block.getString("name"));
    assertEquals(EXPECTED_ARGS, block.getJsonObject("input"));
  }

  @Test
  void anthropicStreamsInputJsonDeltasThatJoinIntoTheToolInput() throws Exception {
    JsonObject request = anthropicMessage("claude-sonnet-4-5", "Weather?").put("tools", anthropicTools())
        .put("stream", true);

    List<SseEvent> events = sse(post("/v1/messages", request).bodyAsString());
    JsonObject blockStart = events.get(1).json().getJsonObject("content_block");
    StringBuilder partialJson = new StringBuilder();
    int pieces = 0;
    for (SseEvent event : events) {
      if (event.event().equals("content_block_delta")) {
        JsonObject delta = event.json().getJsonObject("delta");
        assertEquals("input_json_delta", delta.getString("type"));
        partialJson.append(delta.getString("partial_json"));
        pieces++;
      }
    }

    assertEquals("tool_use", blockStart.getString("type"));
    assertTrue(blockStart.getString("id").startsWith("toolu_"));
    assertEquals("get_weather", blockStart.getString("name"));
    assertTrue(pieces > 2, "input arrives in several pieces, got " + pieces);
    assertEquals(EXPECTED_ARGS, new JsonObject(partialJson.toString()));
    JsonObject messageDelta = events.get(events.size() - 2).json();
    assertEquals("tool_use", messageDelta.getJsonObject("delta").getString("stop_reason"));
  }

  @Test
  void anthropicAnswersWithTextOnceTheToolResultIsBack() throws Exception {
    JsonObject request = anthropicMessage("claude-sonnet-4-5", "Weather?").put("tools", anthropicTools());
    request.getJsonArray("messages")
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_use").put("id", "toolu_1").put("name", "get_weather").put("input", EXPECTED_ARGS))))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_result").put("tool_use_id", "toolu_1").put("content", "Sunny and warm"))));

    JsonObject message = post("/v1/messages", request).bodyAsJsonObject();

    assertEquals("end_turn", message.getString("stop_reason"));
    JsonObject block = message.getJsonArray("content").getJsonObject(0);
    assertEquals("text", block.getString("type"));
    assertTrue(block.getString("text").startsWith("Mock reply to: Sunny and warm"));
  }
}
