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

class ChatToMessagesRequestTest {
  private final List<Translation.Dropped> dropped = new ArrayList<>();

  private ObjectNode translate(String openAiJson) {
    return translate(openAiJson, 4096);
  }

  private ObjectNode translate(String openAiJson, int defaultMaxTokens) {
    ObjectNode request = parse(openAiJson);
    ObjectNode before = request.deepCopy();
    ObjectNode out = ChatToMessagesRequest.translate(request, defaultMaxTokens, dropped::add);
    assertEquals(before, request, "the client's request is left as it was");
    return out;
  }

  private List<String> droppedFields() {
    return dropped.stream().map(Translation.Dropped::field).toList();
  }

  private static void assertRefused(String openAiJson, String path, String... words) {
    GatewayException e = assertThrows(GatewayException.class,
        () -> ChatToMessagesRequest.translate(parse(openAiJson), 4096, d -> { }));
    assertEquals(400, e.error().status());
    assertEquals(path, e.error().param());
    assertTrue(e.getMessage().startsWith(path), e.getMessage());
    for (String w : words) assertTrue(e.getMessage().contains(w), e.getMessage());
  }

  private static String withMessages(String messages) {
    return "{\"model\":\"gpt-4o\",\"messages\":" + messages + "}";
  }

  private static String withTools(String rest) {
    return "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\","
        + "\"function\":{\"name\":\"t\",\"parameters\":{\"type\":\"object\"}}}]" + rest + "}";
  }

  @Test
  void systemAndDeveloperMessagesAnywhereJoinTheTopLevelSystemInOrder() {
    ObjectNode out = translate(withMessages("""
        [{"role":"system","content":"Be terse."},{"role":"user","content":"hi"},
         {"role":"developer","content":[{"type":"text","text":"Use French."}]},{"role":"assistant","content":"Salut"},
         {"role":"system","content":"No emoji."},{"role":"user","content":"bye"}]"""));
    assertEquals("Be terse.\n\nUse French.\n\nNo emoji.", out.get("system").asText());
    assertEquals(json("""
        [{"role":"user","content":"hi"},{"role":"assistant","content":"Salut"},{"role":"user","content":"bye"}]"""),
        out.get("messages"));
  }

  @Test
  void textPartsBecomeTextBlocksAndEmptyTextIsLeftOut() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":""},{"type":"text","text":"two"}]}]"""));
    assertEquals(json("[{\"type\":\"text\",\"text\":\"one\"},{\"type\":\"text\",\"text\":\"two\"}]"),
        out.get("messages").get(0).get("content"));
  }

  @Test
  void aDataUrlBecomesABase64ImageAndAnHttpUrlAUrlImage() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGR","detail":"high"}},
                                   {"type":"image_url","image_url":{"url":"https://example.com/a.jpg"}}]}]"""));
    assertEquals(json("""
        [{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGR"}},
         {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]"""),
        out.get("messages").get(0).get("content"));
  }

  @Test
  void aDataUrlThatIsNotBase64IsRefused() {
    assertRefused(withMessages("""
        [{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml,<svg/>"}}]}]"""),
        "messages[0].content[0].image_url.url", "base64");
  }

  @Test
  void audioAndFilePartsAreRefusedNamingTheirPath() {
    assertRefused(withMessages("""
        [{"role":"user","content":[{"type":"text","text":"listen"},{"type":"input_audio","input_audio":{"data":"AA","format":"wav"}}]}]"""),
        "messages[0].content[1].type", "'input_audio'", "Anthropic Messages");
    assertRefused(withMessages("""
        [{"role":"user","content":"a"},{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]"""),
        "messages[1].content[0].type", "'file'");
  }

  @Test
  void toolCallsBecomeToolUsesWithTheSameIdsAndParsedInputs() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","content":"Looking.","tool_calls":[
           {"id":"call_abc","type":"function","function":{"name":"search","arguments":"{\\"q\\": \\"x\\", \\"n\\": 3}"}},
           {"id":"call_def","type":"function","function":{"name":"now","arguments":""}}]}]"""));
    assertEquals(json("""
        [{"type":"text","text":"Looking."},
         {"type":"tool_use","id":"call_abc","name":"search","input":{"q":"x","n":3}},
         {"type":"tool_use","id":"call_def","name":"now","input":{}}]"""),
        out.get("messages").get(1).get("content"));
  }

  @Test
  void argumentsThatAreNotAJsonObjectAreKeptRaw() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","tool_calls":[
           {"id":"call_1","type":"function","function":{"name":"a","arguments":"{\\"path\\": \\"/tm"}},
           {"id":"call_2","type":"function","function":{"name":"b","arguments":"[1,2]"}}]}]"""));
    JsonNode blocks = out.get("messages").get(1).get("content");
    assertEquals(json("{\"_raw\":\"{\\\"path\\\": \\\"/tm\"}"), blocks.get(0).get("input"));
    assertEquals(json("{\"_raw\":\"[1,2]\"}"), blocks.get(1).get("input"));
  }

  @Test
  void reasoningContentIsLeftOutAndARefusalIsKeptAsText() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"a"},{"role":"assistant","content":null,"reasoning_content":"secret","refusal":"I can't help with that."},
         {"role":"user","content":"b"}]"""));
    assertEquals("I can't help with that.", out.get("messages").get(1).get("content").asText());
    assertFalse(out.toString().contains("secret"));
  }

  @Test
  void toolMessagesAndTheNextUserMessageMergeIntoOneUserMessageToolResultsFirst() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"a","arguments":"{}"}},
                                           {"id":"call_2","type":"function","function":{"name":"b","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"A"},
         {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"B"}]},
         {"role":"user","content":"thanks"}]"""));
    assertEquals(3, out.get("messages").size());
    assertEquals(json("""
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"A"},
          {"type":"tool_result","tool_use_id":"call_2","content":"B"},{"type":"text","text":"thanks"}]}"""),
        out.get("messages").get(2));
  }

  @Test
  void aUserMessageBeforeToolMessagesStillGetsTheToolResultsFirst() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"a","arguments":"{}"}}]},
         {"role":"user","content":"also this"},{"role":"tool","tool_call_id":"call_1","content":""}]"""));
    assertEquals(json("""
        [{"type":"tool_result","tool_use_id":"call_1"},{"type":"text","text":"also this"}]"""),
        out.get("messages").get(2).get("content"));
  }

  @Test
  void consecutiveMessagesOfOneRoleMerge() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"one"},{"role":"user","content":"two"},
         {"role":"assistant","content":"three"},{"role":"assistant","content":"four"}]"""));
    assertEquals(json("""
        [{"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},
         {"role":"assistant","content":[{"type":"text","text":"three"},{"type":"text","text":"four"}]}]"""),
        out.get("messages"));
  }

  @Test
  void anEmptyAssistantMessageLeftByAnAbortedAttemptIsDropped() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"one"},{"role":"assistant","content":""},{"role":"user","content":"again"}]"""));
    assertEquals(json("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"one\"},{\"type\":\"text\",\"text\":\"again\"}]}]"),
        out.get("messages"));
  }

  @Test
  void aConversationThatStartsWithTheAssistantGetsAMinimalUserTurnFirst() {
    ObjectNode out = translate(withMessages("""
        [{"role":"system","content":"s"},{"role":"assistant","content":"Ahoy! How can I help?"},{"role":"user","content":"hi"}]"""));
    assertEquals(json("""
        [{"role":"user","content":"."},{"role":"assistant","content":"Ahoy! How can I help?"},{"role":"user","content":"hi"}]"""),
        out.get("messages"));
  }

  @Test
  void aRequestWithOnlySystemMessagesIsRefused() {
    assertRefused(withMessages("[{\"role\":\"system\",\"content\":\"s\"}]"), "messages", "at least one");
  }

  @Test
  void aLegacyFunctionMessageOrAnUnknownRoleIsRefused() {
    assertRefused(withMessages("[{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}]"), "messages[0].role", "'function'");
  }

  @Test
  void aToolMessageWithoutItsToolCallIdIsRefused() {
    assertRefused(withMessages("[{\"role\":\"tool\",\"content\":\"x\"}]"), "messages[0].tool_call_id");
  }

  @Test
  void functionToolsBecomeToolsWithTheirSchemaOrAnEmptyOne() {
    ObjectNode out = translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[
          {"type":"function","function":{"name":"a","description":"A.","parameters":{"type":"object","properties":{"x":{"type":"integer"}}},"strict":true}},
          {"type":"function","function":{"name":"b"}}]}""");
    assertEquals(json("""
        [{"name":"a","description":"A.","input_schema":{"type":"object","properties":{"x":{"type":"integer"}}},"strict":true},
         {"name":"b","input_schema":{"type":"object","properties":{}}}]"""), out.get("tools"));
  }

  @Test
  void aToolThatIsNotAFunctionIsRefusedNamingItsType() {
    assertRefused("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[
          {"type":"function","function":{"name":"a"}},{"type":"custom","custom":{"name":"grammar"}}]}""",
        "tools[1].type", "'custom'");
  }

  @Test
  void toolChoicesMapToAnthropicsWords() {
    assertEquals(json("{\"type\":\"auto\"}"), translate(withTools(",\"tool_choice\":\"auto\"")).get("tool_choice"));
    assertEquals(json("{\"type\":\"any\"}"), translate(withTools(",\"tool_choice\":\"required\"")).get("tool_choice"));
    assertEquals(json("{\"type\":\"none\"}"), translate(withTools(",\"tool_choice\":\"none\"")).get("tool_choice"));
    assertEquals(json("{\"type\":\"tool\",\"name\":\"t\"}"),
        translate(withTools(",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"t\"}}")).get("tool_choice"));
  }

  @Test
  void noParallelToolCallsDisablesParallelToolUseOnTheToolChoice() {
    assertEquals(json("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"),
        translate(withTools(",\"parallel_tool_calls\":false")).get("tool_choice"));
    assertEquals(json("{\"type\":\"any\",\"disable_parallel_tool_use\":true}"),
        translate(withTools(",\"tool_choice\":\"required\",\"parallel_tool_calls\":false")).get("tool_choice"));
    assertEquals(json("{\"type\":\"none\"}"),
        translate(withTools(",\"tool_choice\":\"none\",\"parallel_tool_calls\":false")).get("tool_choice"));
    assertFalse(translate(withTools(",\"parallel_tool_calls\":true")).has("tool_choice"));
    ObjectNode noTools = translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"parallel_tool_calls":false,"tool_choice":"auto"}""");
    assertFalse(noTools.has("tool_choice") || noTools.has("tools"), noTools.toString());
    assertEquals(List.of(), dropped);
  }

  @Test
  void aHistoryWithToolCallsButNoToolsDeclaresThemAndForbidsNewCalls() {
    ObjectNode out = translate(withMessages("""
        [{"role":"user","content":"go"},
         {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"search","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"found"},{"role":"user","content":"summarize"}]"""));
    assertEquals(json("[{\"name\":\"search\",\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]"), out.get("tools"));
    assertEquals(json("{\"type\":\"none\"}"), out.get("tool_choice"));
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokensAndTheDefaultFillsIn() {
    assertEquals(300, translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"max_completion_tokens":300}""")
        .get("max_tokens").asInt());
    assertEquals(100, translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100}""").get("max_tokens").asInt());
    assertEquals(2000, translate(withMessages("[{\"role\":\"user\",\"content\":\"hi\"}]"), 2000).get("max_tokens").asInt());
    assertEquals(ChatToMessagesRequest.FALLBACK_MAX_TOKENS,
        translate(withMessages("[{\"role\":\"user\",\"content\":\"hi\"}]"), 0).get("max_tokens").asInt());
  }

  @Test
  void aStopStringBecomesAListOfStopSequences() {
    assertEquals(json("[\"END\"]"), translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stop":"END"}""").get("stop_sequences"));
    assertEquals(json("[\"a\",\"b\"]"), translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stop":["a","b"]}""").get("stop_sequences"));
  }

  @Test
  void aTemperatureAboveOneIsSentAsOneAndReported() {
    ObjectNode hot = translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":1.7,"top_p":0.5}""");
    assertEquals(1, hot.get("temperature").asDouble());
    assertEquals(0.5, hot.get("top_p").asDouble());
    assertEquals(List.of("temperature"), droppedFields());
    assertTrue(dropped.get(0).why().contains("1.7"), dropped.get(0).why());
    dropped.clear();
    assertEquals(0.4, translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":0.4}""").get("temperature").asDouble());
    assertEquals(List.of(), dropped);
  }

  @Test
  void theUserBecomesMetadataUserId() {
    assertEquals(json("{\"user_id\":\"u-7\"}"), translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"user":"u-7"}""").get("metadata"));
  }

  @Test
  void aStreamIsKeptAndItsOptionsLeaveSilently() {
    ObjectNode out = translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""");
    assertTrue(out.get("stream").asBoolean());
    assertFalse(out.has("stream_options"));
    assertEquals(List.of(), dropped);
  }

  @Test
  void severalChoicesAreRefusedAndOneIsFine() {
    assertRefused("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":3}", "n", "3");
    assertFalse(translate("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":1}").has("n"));
  }

  @Test
  void logProbabilitiesAreRefused() {
    assertRefused("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true}", "logprobs");
    assertRefused("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_logprobs\":2}",
        "top_logprobs");
    assertFalse(translate("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":false}")
        .has("logprobs"));
  }

  @Test
  void aJsonSchemaResponseFormatBecomesAnOutputFormatAndTextLeavesSilently() {
    ObjectNode out = translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema",
         "json_schema":{"name":"answer","strict":true,"schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}""");
    assertEquals(json("""
        {"format":{"type":"json_schema","schema":{"type":"object","properties":{"a":{"type":"string"}}}}}"""),
        out.get("output_config"));
    assertFalse(translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"text"}}""")
        .has("output_config"));
    assertEquals(List.of(), dropped);
  }

  @Test
  void aJsonObjectResponseFormatIsRefused() {
    assertRefused("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""",
        "response_format.type", "'json_object'", "json_schema");
  }

  @Test
  void openAiOnlyFieldsAreDroppedByName() {
    ObjectNode out = translate("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"presence_penalty":0.1,"frequency_penalty":0.2,
         "seed":1,"logit_bias":{"50256":-100},"store":true,"metadata":{"k":"v"},"prediction":{"type":"content","content":"x"},
         "modalities":["text"],"audio":{"voice":"alloy","format":"mp3"},"web_search_options":{},"reasoning_effort":"low",
         "invented_later":true,"service_tier":null}""");
    assertEquals(List.of("presence_penalty", "frequency_penalty", "seed", "logit_bias", "store", "metadata", "prediction",
        "modalities", "audio", "web_search_options", "reasoning_effort", "invented_later"), droppedFields());
    assertFalse(out.has("metadata") || out.has("seed") || out.has("reasoning_effort"), out.toString());
  }

  @Test
  void theDeprecatedFunctionFieldsAreRefused() {
    assertRefused("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f","parameters":{}}]}""",
        "functions", "tools");
  }

  @Test
  void theModelIsTheClients() {
    assertEquals("gpt-4.1-mini", translate("""
        {"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}]}""").get("model").asText());
  }
}
