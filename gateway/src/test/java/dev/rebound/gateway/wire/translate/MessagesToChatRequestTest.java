package dev.rebound.gateway.wire.translate;

import static dev.rebound.gateway.wire.translate.TranslationFixtures.json;
import static dev.rebound.gateway.wire.translate.TranslationFixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.wire.GatewayException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesToChatRequestTest {
  private final List<Translation.Dropped> dropped = new ArrayList<>();

  private ObjectNode translate(String anthropicJson) {
    return translate(anthropicJson, 4096);
  }

  private ObjectNode translate(String anthropicJson, int defaultMaxTokens) {
    ObjectNode request = parse(anthropicJson);
    ObjectNode before = request.deepCopy();
    ObjectNode out = MessagesToChatRequest.translate(request, defaultMaxTokens, dropped::add);
    assertEquals(before, request, "the client's request is left as it was");
    return out;
  }

  private List<String> droppedFields() {
    return dropped.stream().map(Translation.Dropped::field).toList();
  }

  /** Asserts a 400 whose message starts with the field's path and whose param is that path. */
  private static void assertRefused(String anthropicJson, String path, String... words) {
    GatewayException e = assertThrows(GatewayException.class,
        () -> MessagesToChatRequest.translate(parse(anthropicJson), 4096, d -> { }));
    assertEquals(400, e.error().status());
    assertEquals(path, e.error().param());
    assertTrue(e.getMessage().startsWith(path), e.getMessage());
    for (String w : words) assertTrue(e.getMessage().contains(w), e.getMessage());
  }

  private static String withMessages(String messages) {
    return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":" + messages + "}";
  }

  @Test
  void systemBlocksBecomeOneFirstSystemMessageJoinedByBlankLinesWithoutCacheControl() {
    ObjectNode out = translate("""
        {"model":"m","max_tokens":10,"system":[{"type":"text","text":"You are terse."},
          {"type":"text","text":"Use tools.","cache_control":{"type":"ephemeral"}}],
         "messages":[{"role":"user","content":"hi"}]}""");
    assertEquals(json("""
        [{"role":"system","content":"You are terse.\\n\\nUse tools."},{"role":"user","content":"hi"}]"""),
        out.get("messages"));
  }

  @Test
  void aSystemMessageInsideTheConversationStaysWhereItIs() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},
         {"role":"system","content":[{"type":"text","text":"Now answer in French."}]},{"role":"user","content":"bye"}]"""));
    assertEquals(json("{\"role\":\"system\",\"content\":\"Now answer in French.\"}"), out.get("messages").get(2));
  }

  @Test
  void aLoneTextBlockBecomesAStringAndSeveralStayTextParts() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":[{"type":"text","text":"one"}]},
         {"role":"assistant","content":"two"},
         {"role":"user","content":[{"type":"text","text":"<reminder>"},{"type":"text","text":"three","cache_control":{"type":"ephemeral"}}]}]"""));
    assertEquals(json("""
        [{"role":"user","content":"one"},{"role":"assistant","content":"two"},
         {"role":"user","content":[{"type":"text","text":"<reminder>"},{"type":"text","text":"three"}]}]"""),
        out.get("messages"));
  }

  @Test
  void base64AndUrlImagesBecomeImageUrlParts() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":[
          {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAAA"}},
          {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}]}]"""));
    assertEquals(json("""
        [{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}},
         {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]"""),
        out.get("messages").get(0).get("content"));
  }

  @Test
  void anImageFromTheFilesApiIsRefusedNamingItsSource() {
    assertRefused(withMessages("""
        [{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"file_011"}}]}]"""),
        "messages[0].content[0].source.type", "'file'", "base64");
  }

  @Test
  void toolResultsBecomeToolMessagesInOrderBeforeTheUsersText() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"a","input":{}},
                                        {"type":"tool_use","id":"toolu_2","name":"b","input":{}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"A"},
                                   {"type":"tool_result","tool_use_id":"toolu_2","content":"B"},
                                   {"type":"text","text":"and now?"}]}]"""));
    JsonNode messages = out.get("messages");
    assertEquals(5, messages.size());
    assertEquals(json("{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"A\"}"), messages.get(2));
    assertEquals(json("{\"role\":\"tool\",\"tool_call_id\":\"toolu_2\",\"content\":\"B\"}"), messages.get(3));
    assertEquals(json("{\"role\":\"user\",\"content\":\"and now?\"}"), messages.get(4));
  }

  @Test
  void aToolResultsTextBlocksJoinAndItsImagesAreDroppedWithAnEvent() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[
          {"type":"text","text":"line one"},
          {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},
          {"type":"text","text":"line two"}]}]}]"""));
    assertEquals("line one\n\nline two", out.get("messages").get(0).get("content").asText());
    assertEquals(List.of("messages[0].content[0].content[1]"), droppedFields());
    assertTrue(dropped.get(0).why().contains("text only"), dropped.get(0).why());
  }

  @Test
  void aFailedToolResultSaysErrorInItsText() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":"file not found"}]}]"""));
    assertEquals("Error: file not found", out.get("messages").get(0).get("content").asText());
  }

  @Test
  void aToolResultWithoutContentIsAnEmptyToolMessage() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1"}]}]"""));
    assertEquals("", out.get("messages").get(0).get("content").asText());
  }

  @Test
  void toolUsesBecomeToolCallsWithTheSameIdsAndCompactJsonArguments() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","content":[{"type":"text","text":"Reading."},
           {"type":"tool_use","id":"toolu_01XyZ","name":"Read","input":{"path": "/a b", "lines": [1, 2]}}]}]"""));
    assertEquals(json("""
        {"role":"assistant","content":"Reading.","tool_calls":[{"id":"toolu_01XyZ","type":"function",
          "function":{"name":"Read","arguments":"{\\"path\\":\\"/a b\\",\\"lines\\":[1,2]}"}}]}"""),
        out.get("messages").get(1));
  }

  @Test
  void thinkingBlocksAndTheirSignaturesNeverReachTheBackendAndAreNotReported() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"EqQBsig"},
           {"type":"redacted_thinking","data":"EmwKAhgB"},{"type":"text","text":"Done."}]},
         {"role":"assistant","content":[{"type":"thinking","thinking":"alone","signature":"EqQBsig2"}]},
         {"role":"user","content":"ok"}]"""));
    assertEquals(json("""
        [{"role":"user","content":"go"},{"role":"assistant","content":"Done."},{"role":"user","content":"ok"}]"""),
        out.get("messages"));
    assertFalse(out.toString().contains("EqQB") || out.toString().contains("EmwK"), out.toString());
    assertEquals(List.of(), dropped);
  }

  @Test
  void customToolsBecomeFunctionsAndServerToolsAreDroppedWithAnEvent() {
    ObjectNode out = translate("""
        {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[
          {"name":"get_weather","description":"Weather.","input_schema":{"type":"object","properties":{"city":{"type":"string"}}},
           "cache_control":{"type":"ephemeral"}},
          {"type":"web_search_20250305","name":"web_search","max_uses":5},
          {"type":"custom","name":"no_args","strict":true},
          {"type":"bash_20250124","name":"bash"}]}""");
    assertEquals(json("""
        [{"type":"function","function":{"name":"get_weather","description":"Weather.",
           "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
         {"type":"function","function":{"name":"no_args","parameters":{"type":"object","properties":{}},"strict":true}}]"""),
        out.get("tools"));
    assertEquals(List.of("tools[1] (web_search_20250305)", "tools[3] (bash_20250124)"), droppedFields());
  }

  @Test
  void aToolSettingOpenAiHasNoWordForIsDroppedWithAnEvent() {
    translate("""
        {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[
          {"name":"t","input_schema":{"type":"object"},"defer_loading":true}]}""");
    assertEquals(List.of("tools[0].defer_loading"), droppedFields());
  }

  @Test
  void toolChoicesMapToOpenAisWords() {
    String tools = "\"tools\":[{\"name\":\"t\",\"input_schema\":{\"type\":\"object\"}}]";
    String base = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + tools;
    assertEquals("auto", translate(base + ",\"tool_choice\":{\"type\":\"auto\"}}").get("tool_choice").asText());
    assertEquals("required", translate(base + ",\"tool_choice\":{\"type\":\"any\"}}").get("tool_choice").asText());
    assertEquals("none", translate(base + ",\"tool_choice\":{\"type\":\"none\"}}").get("tool_choice").asText());
    ObjectNode forced = translate(base + ",\"tool_choice\":{\"type\":\"tool\",\"name\":\"t\",\"disable_parallel_tool_use\":true}}");
    assertEquals(json("{\"type\":\"function\",\"function\":{\"name\":\"t\"}}"), forced.get("tool_choice"));
    assertFalse(forced.get("parallel_tool_calls").asBoolean(true));
    assertFalse(translate(base + ",\"tool_choice\":{\"type\":\"auto\"}}").has("parallel_tool_calls"));
  }

  @Test
  void aToolChoiceThatDemandsAToolTheBackendCannotRunIsRefused() {
    String serverOnly = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],";
    assertRefused(serverOnly + "\"tool_choice\":{\"type\":\"any\"}}", "tool_choice.type", "'any'");
    assertRefused("""
        {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],
         "tools":[{"name":"t","input_schema":{}},{"type":"web_search_20250305","name":"web_search"}],
         "tool_choice":{"type":"tool","name":"web_search"}}""", "tool_choice.name", "'web_search'");
    // auto with nothing left to call changes nothing: it goes, silently
    ObjectNode out = translate(serverOnly + "\"tool_choice\":{\"type\":\"auto\"}}");
    assertFalse(out.has("tool_choice") || out.has("tools"), out.toString());
  }

  @Test
  void maxTokensIsKeptOrTheDefaultSentOrNoneWhenTheDefaultIsZero() {
    assertEquals(100, translate(withMessages("[{\"role\":\"user\",\"content\":\"hi\"}]")).get("max_tokens").asInt());
    String without = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    assertEquals(2048, translate(without, 2048).get("max_tokens").asInt());
    assertFalse(translate(without, 0).has("max_tokens"));
  }

  @Test
  void samplingStopSequencesAndTheUserCarryOverAndTopKIsDropped() {
    ObjectNode out = translate("""
        {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"temperature":0.3,"top_p":0.8,
         "top_k":20,"stop_sequences":["END"],"metadata":{"user_id":"u-1"}}""");
    assertEquals(0.3, out.get("temperature").asDouble());
    assertEquals(0.8, out.get("top_p").asDouble());
    assertEquals(json("[\"END\"]"), out.get("stop"));
    assertEquals("u-1", out.get("user").asText());
    assertFalse(out.has("top_k") || out.has("metadata") || out.has("stop_sequences"));
    assertEquals(List.of("top_k"), droppedFields());
  }

  @Test
  void aStreamAsksForTheUsageChunkAndAWholeAnswerDoesNot() {
    String base = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":";
    ObjectNode streamed = translate(base + "true}");
    assertTrue(streamed.get("stream").asBoolean());
    assertEquals(json("{\"include_usage\":true}"), streamed.get("stream_options"));
    ObjectNode whole = translate(base + "false}");
    assertFalse(whole.get("stream").asBoolean());
    assertFalse(whole.has("stream_options"));
  }

  @Test
  void thinkingIsDroppedWithAnEventUnlessItIsDisabled() {
    String base = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"thinking\":";
    assertFalse(translate(base + "{\"type\":\"enabled\",\"budget_tokens\":2000}}").has("thinking"));
    assertEquals(List.of("thinking"), droppedFields());
    dropped.clear();
    translate(base + "{\"type\":\"disabled\"}}");
    assertEquals(List.of(), dropped);
  }

  @Test
  void anOutputFormatBecomesAStrictJsonSchemaResponseFormatInEitherSpelling() {
    String schema = "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\"}}}";
    JsonNode expected = json("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"output\",\"schema\":" + schema
        + ",\"strict\":true}}");
    String base = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],";
    assertEquals(expected, translate(base + "\"output_format\":{\"type\":\"json_schema\",\"schema\":" + schema + "}}")
        .get("response_format"));
    ObjectNode current = translate(base + "\"output_config\":{\"effort\":\"low\",\"format\":{\"type\":\"json_schema\",\"schema\":"
        + schema + "}}}");
    assertEquals(expected, current.get("response_format"));
    assertEquals(List.of("output_config.effort"), droppedFields());
  }

  @Test
  void anthropicOnlyTopLevelFieldsAreDroppedByName() {
    ObjectNode out = translate("""
        {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"service_tier":"auto",
         "container":"c_1","context_management":{"edits":[]},"mcp_servers":[],"invented_later":1,"cache_control":{"type":"ephemeral"}}""");
    assertEquals(List.of("service_tier", "container", "context_management", "mcp_servers", "invented_later"), droppedFields());
    assertFalse(out.has("service_tier") || out.has("invented_later") || out.has("cache_control"));
  }

  @Test
  void cacheControlDisappearsEverywhere() {
    ObjectNode out = translate("""
        {"model":"m","max_tokens":10,"cache_control":{"type":"ephemeral"},
         "system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral","ttl":"1h"}}],
         "tools":[{"name":"t","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],
         "messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}},
            {"type":"image","source":{"type":"url","url":"https://x.test/i.png"},"cache_control":{"type":"ephemeral"}}]},
           {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"t","input":{},"cache_control":{"type":"ephemeral"}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"r","cache_control":{"type":"ephemeral"}}]}]}""");
    assertFalse(out.toString().contains("cache_control"), out.toString());
    assertEquals(List.of(), dropped);
  }

  @Test
  void aDocumentBlockIsRefusedNamingItsPath() {
    assertRefused(withMessages("""
        [{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},
         {"role":"user","content":[{"type":"text","text":"read this"},
           {"type":"document","source":{"type":"text","media_type":"text/plain","data":"..."}}]}]"""),
        "messages[3].content[1].type", "messages[3].content[1].type 'document'", "OpenAI Chat", "route");
  }

  @Test
  void aSearchResultBlockIsRefusedNamingItsPath() {
    assertRefused(withMessages("""
        [{"role":"user","content":[{"type":"search_result","source":"s","title":"t","content":[]}]}]"""),
        "messages[0].content[0].type", "'search_result'");
  }

  @Test
  void aDocumentInsideAToolResultIsRefusedNamingItsPath() {
    assertRefused(withMessages("""
        [{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[
          {"type":"document","source":{"type":"url","url":"https://x.test/a.pdf"}}]}]}]"""),
        "messages[0].content[0].content[0].type", "'document'");
  }

  @Test
  void serverToolBlocksInTheHistoryAreRefusedNamingTheirPath() {
    assertRefused(withMessages("""
        [{"role":"user","content":"search"},{"role":"assistant","content":[
          {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}}]}]"""),
        "messages[1].content[0].type", "'server_tool_use'");
  }

  @Test
  void aRoleMessagesDoNotHaveIsRefused() {
    assertRefused(withMessages("[{\"role\":\"tool\",\"content\":\"x\"}]"), "messages[0].role", "'tool'");
  }

  @Test
  void aToolResultWithoutItsToolUseIdIsRefused() {
    assertRefused(withMessages("[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":\"x\"}]}]"),
        "messages[0].content[0].tool_use_id");
  }

  @Test
  void theModelIsTheClients() {
    assertEquals("claude-opus-4-1", translate("""
        {"model":"claude-opus-4-1","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""").get("model").asText());
  }
}
