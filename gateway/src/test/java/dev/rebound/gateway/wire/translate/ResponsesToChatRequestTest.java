package dev.rebound.gateway.wire.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.GatewayException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Responses request read as a Chat Completions request, rule by rule. */
class ResponsesToChatRequestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<Translation.Dropped> dropped = new ArrayList<>();

  static ObjectNode json(String text) {
    return (ObjectNode) tree(text);
  }

  static JsonNode tree(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  ObjectNode translate(String request) {
    return ResponsesToChatRequest.translate(json(request), 0, dropped::add);
  }

  @Test
  void instructionsBecomeTheSystemMessageAndAStringInputTheUserMessage() {
    ObjectNode out = translate("{\"model\":\"m\",\"instructions\":\"Be brief.\",\"input\":\"hi\",\"max_output_tokens\":300}");
    assertEquals(json("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":300}"), out);
  }

  @Test
  void functionCallsJoinTheAssistantMessageWithTheirCallIdsAndOutputsBecomeToolMessagesInOrder() {
    ObjectNode out = translate("{\"model\":\"m\",\"input\":["
        + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather?\"}]},"
        + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Checking.\"}]},"
        + "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"},"
        + "{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"},"
        + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"18 C\"},"
        + "{\"type\":\"function_call_output\",\"call_id\":\"call_2\",\"output\":[{\"type\":\"input_text\",\"text\":\"21 C\"}]}]}");
    assertEquals(tree("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Weather?\"}]},"
        + "{\"role\":\"assistant\",\"content\":\"Checking.\",\"tool_calls\":["
        + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
        + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18 C\"},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"21 C\"}]"), out.get("messages"));
  }

  @Test
  void reasoningItemsAreLeftOutAndSaidSo() {
    ObjectNode out = translate("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"},"
        + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"encrypted_content\":\"xyz\"},"
        + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hello\"}]}]}");
    assertEquals(2, out.get("messages").size());
    assertEquals("input[].reasoning", dropped.get(0).field());
  }

  @Test
  void imagesBecomeImageUrlParts() {
    ObjectNode out = translate("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":["
        + "{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AAAA\",\"detail\":\"low\"}]}]}");
    assertEquals(tree("[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\",\"detail\":\"low\"}}]"),
        out.get("messages").get(0).get("content"));
  }

  @Test
  void functionToolsBecomeChatToolsAndCustomToolsFunctionsOfOneString() {
    ObjectNode out = translate("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"function\",\"name\":\"shell\"},"
        + "\"parallel_tool_calls\":false,\"tools\":["
        + "{\"type\":\"function\",\"name\":\"shell\",\"description\":\"Runs\",\"parameters\":{\"type\":\"object\"},\"strict\":false},"
        + "{\"type\":\"custom\",\"name\":\"apply_patch\",\"description\":\"Patches\",\"format\":{\"type\":\"grammar\","
        + "\"syntax\":\"lark\",\"definition\":\"start: x\"}}]}");
    assertEquals(json("{\"type\":\"function\",\"function\":{\"name\":\"shell\",\"description\":\"Runs\","
        + "\"parameters\":{\"type\":\"object\"},\"strict\":false}}"), out.get("tools").get(0));
    JsonNode custom = out.get("tools").get(1).get("function");
    assertEquals("apply_patch", custom.get("name").asText());
    assertTrue(custom.get("description").asText().endsWith("start: x"), custom.toString());
    assertEquals(tree("[\"input\"]"), custom.get("parameters").get("required"));
    assertEquals(json("{\"type\":\"function\",\"function\":{\"name\":\"shell\"}}"), out.get("tool_choice"));
    assertEquals(false, out.get("parallel_tool_calls").asBoolean());
  }

  @Test
  void aCustomToolCallGoesBackAsAFunctionCallCarryingItsInput() {
    ObjectNode out = translate("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"x\"},"
        + "{\"type\":\"custom_tool_call\",\"call_id\":\"c1\",\"name\":\"apply_patch\",\"input\":\"*** Begin Patch\"},"
        + "{\"type\":\"custom_tool_call_output\",\"call_id\":\"c1\",\"output\":\"done\"}]}");
    JsonNode call = out.get("messages").get(1).get("tool_calls").get(0);
    assertEquals("{\"input\":\"*** Begin Patch\"}", call.get("function").get("arguments").asText());
    assertEquals("c1", out.get("messages").get(2).get("tool_call_id").asText());
  }

  @Test
  void toolsInANamespaceAreDeclaredWithTheNamespaceInTheirNameAndTheirCallsGoBackSo() {
    ObjectNode out = translate("{\"model\":\"m\",\"tools\":[{\"type\":\"namespace\",\"name\":\"agents\","
        + "\"description\":\"Sub-agents\",\"tools\":[{\"type\":\"function\",\"name\":\"spawn\",\"parameters\":{\"type\":\"object\"}}]}],"
        + "\"input\":[{\"role\":\"user\",\"content\":\"x\"},{\"type\":\"function_call\",\"call_id\":\"c1\","
        + "\"namespace\":\"agents\",\"name\":\"spawn\",\"arguments\":\"{}\"}]}");
    assertEquals("agents__spawn", out.get("tools").get(0).get("function").get("name").asText());
    assertEquals("agents__spawn", out.get("messages").get(1).get("tool_calls").get(0).get("function").get("name").asText());
  }

  @Test
  void aHostedToolIsRefusedNamingIt() {
    GatewayException e = assertThrows(GatewayException.class,
        () -> translate("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}"));
    assertEquals("tools[0].type", e.error().param());
    assertTrue(e.getMessage().contains("'web_search'"), e.getMessage());
  }

  @Test
  void previousResponseIdIsRefusedSinceAChatBackendKeepsNoResponses() {
    GatewayException e = assertThrows(GatewayException.class,
        () -> translate("{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":\"resp_1\"}"));
    assertEquals("previous_response_id", e.error().param());
  }

  @Test
  void streamingAsksForTheUsageChunkAndSettingsCarryOver() {
    ObjectNode out = translate("{\"model\":\"m\",\"input\":\"x\",\"stream\":true,\"temperature\":0.2,"
        + "\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"},\"prompt_cache_key\":\"k\",\"store\":false,"
        + "\"include\":[\"reasoning.encrypted_content\"],\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"out\","
        + "\"schema\":{\"type\":\"object\"},\"strict\":true}},\"service_tier\":\"flex\"}");
    assertEquals(json("{\"include_usage\":true}"), out.get("stream_options"));
    assertEquals("high", out.get("reasoning_effort").asText());
    assertEquals("k", out.get("prompt_cache_key").asText());
    assertEquals(json("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"out\",\"schema\":{\"type\":\"object\"},"
        + "\"strict\":true}}"), out.get("response_format"));
    assertEquals(List.of("service_tier"), dropped.stream().map(Translation.Dropped::field).toList());
  }
}
