package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnthropicMessagesTest extends MockLlmHttpTest {

  private static final String PATH = "/v1/messages";

  @Test
  void answersWithAFullMessage() throws Exception {
    HttpResponse<Buffer> response = post(PATH, anthropicMessage("claude-sonnet-4-5", "What is up"));

    assertEquals(200, response.statusCode());
    JsonObject message = response.bodyAsJsonObject();
    assertTrue(message.getString("id").startsWith("msg_"));
    assertEquals("message", message.getString("type"));
    assertEquals("assistant", message.getString("role"));
    assertEquals("claude-sonnet-4-5", message.getString("model"));
    assertEquals("end_turn", message.getString("stop_reason"));
    assertTrue(message.containsKey("stop_sequence"));
    JsonObject block = message.getJsonArray("content").getJsonObject(0);
    assertEquals("text", block.getString("type"));
    assertEquals("Mock reply to: What is up word7 word8 word9 word10 word11 word12", block.getString("text"));

    // Claude models are counted with cl100k_base.
    Encoding cl100k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    JsonObject usage = message.getJsonObject("usage");
    assertEquals(3 + cl100k.countTokens("user") + cl100k.countTokens("What is up") + 3,
        usage.getInteger("input_tokens"));
    assertTrue(usage.getInteger("output_tokens") >= 12);
  }

  @Test
  void streamsEventsInTheOrderAnthropicSendsThem() throws Exception {
    HttpResponse<Buffer> response = post(PATH, anthropicMessage("claude-sonnet-4-5", "Hi").put("stream", true));

    assertEquals("text/event-stream", response.getHeader("content-type"));
    List<SseEvent> events = sse(response.bodyAsString());
    List<String> names = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (SseEvent event : events) {
      names.add(event.event());
      assertEquals(event.event(), event.json().getString("type"), "event name matches the data type");
      if (event.event().equals("content_block_delta")) {
        JsonObject delta = event.json().getJsonObject("delta");
        assertEquals("text_delta", delta.getString("type"));
        text.append(delta.getString("text"));
      }
    }
    List<String> expected = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
    for (int i = 0; i < 12; i++) {
      expected.add("content_block_delta");
    }
    expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
    assertEquals(expected, names);
    assertEquals("Mock reply to: Hi word5 word6 word7 word8 word9 word10 word11 word12", text.toString());

    JsonObject start = events.get(0).json().getJsonObject("message");
    assertTrue(start.getString("id").startsWith("msg_"));
    assertEquals(new JsonArray(), start.getJsonArray("content"));
    assertNull(start.getValue("stop_reason"));
    assertTrue(start.getJsonObject("usage").getInteger("input_tokens") > 0);
    assertEquals("text", events.get(1).json().getJsonObject("content_block").getString("type"));
    JsonObject messageDelta = events.get(events.size() - 2).json();
    assertEquals("end_turn", messageDelta.getJsonObject("delta").getString("stop_reason"));
    assertTrue(messageDelta.getJsonObject("delta").containsKey("stop_sequence"));
    JsonObject full = post(PATH, anthropicMessage("claude-sonnet-4-5", "Hi")).bodyAsJsonObject();
    assertEquals(full.getJsonObject("usage").getInteger("output_tokens"),
        messageDelta.getJsonObject("usage").getInteger("output_tokens"));
  }

  @Test
  void countsTheSystemPromptTowardInputTokens() throws Exception {
    String system = "You are a terse assistant that answers in haiku.";
    JsonObject plain = anthropicMessage("claude-sonnet-4-5", "Hi");
    JsonObject withString = plain.copy().put("system", system);
    JsonObject withBlocks = plain.copy().put("system",
        new JsonArray().add(new JsonObject().put("type", "text").put("text", system)));

    int without = post(PATH, plain).bodyAsJsonObject().getJsonObject("usage").getInteger("input_tokens");
    int with = post(PATH, withString).bodyAsJsonObject().getJsonObject("usage").getInteger("input_tokens");
    int withBlockTokens = post(PATH, withBlocks).bodyAsJsonObject().getJsonObject("usage").getInteger("input_tokens");

    Encoding cl100k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    assertEquals(without + 3 + cl100k.countTokens(system), with);
    assertEquals(with + cl100k.countTokens("text"), withBlockTokens, "block form also carries its type string");
  }

  @Test
  void countTokensAgreesWithTheInputTokensOfAnAnswer() throws Exception {
    JsonObject request = anthropicMessage("claude-sonnet-4-5", "How many tokens is this?").put("system", "Be brief.");

    HttpResponse<Buffer> counted = post("/v1/messages/count_tokens", request);
    int answered = post(PATH, request).bodyAsJsonObject().getJsonObject("usage").getInteger("input_tokens");

    assertEquals(200, counted.statusCode());
    assertEquals(new JsonObject().put("input_tokens", answered), counted.bodyAsJsonObject());
  }

  @Test
  void stopsWithMaxTokensWhenTheCapCutsTheReply() throws Exception {
    JsonObject request = anthropicMessage("claude-sonnet-4-5", "Hi").put("max_tokens", 3);

    JsonObject message = post(PATH, request).bodyAsJsonObject();
    List<SseEvent> events = sse(post(PATH, request.copy().put("stream", true)).bodyAsString());

    assertEquals("max_tokens", message.getString("stop_reason"));
    assertTrue(message.getJsonObject("usage").getInteger("output_tokens") <= 3);
    JsonObject messageDelta = events.get(events.size() - 2).json();
    assertEquals("max_tokens", messageDelta.getJsonObject("delta").getString("stop_reason"));
  }

  @Test
  void rejectsMissingMessagesAndMalformedJsonInAnthropicsErrorShape() throws Exception {
    HttpResponse<Buffer> missing = post(PATH, new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 10));
    HttpResponse<Buffer> malformed = postRaw(PATH, "not json");

    for (HttpResponse<Buffer> response : List.of(missing, malformed)) {
      assertEquals(400, response.statusCode());
      JsonObject body = response.bodyAsJsonObject();
      assertEquals("error", body.getString("type"));
      assertEquals("invalid_request_error", body.getJsonObject("error").getString("type"));
    }
    assertEquals("messages: Field required", missing.bodyAsJsonObject().getJsonObject("error").getString("message"));
  }
}
