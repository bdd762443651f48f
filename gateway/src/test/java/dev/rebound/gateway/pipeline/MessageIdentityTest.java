package dev.rebound.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class MessageIdentityTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aLastingIdentityIsTheUrlSafeBase64OfTheFirstSixteenBytesOfTheSha256OfRoleAndText() throws Exception {
    java.util.Random random = new java.util.Random(20);
    for (int n = 0; n < 500; n++) {
      StringBuilder text = new StringBuilder();
      for (int c = random.nextInt(40); c > 0; c--) text.append((char) (' ' + random.nextInt(0x7f - ' ')));
      String said = text.toString().strip();
      String json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
          .put("role", "user").put("content", said).toString();
      byte[] sha = java.security.MessageDigest.getInstance("SHA-256")
          .digest(("user\u0000" + said).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(sha, 16)),
          MessageIdentity.lasting(JSON.readTree(json)), json);
    }
  }

  @Test
  void lastingIdentitiesAreThoseEarlierVersionsNamedThreadsAfter() throws Exception {
    // computed by the version before identities compared in the process got a faster digest: thread ids are made of
    // these, and a thread must keep its id across an upgrade
    assertEquals("uSpigxCudyvPrx6iRGly4Q", MessageIdentity.lasting(JSON.readTree(
        "{\"role\":\"system\",\"content\":\"You are terse.\"}")));
    assertEquals("TNMfbpGIaSaq12fAiMM7-Q", MessageIdentity.lasting(JSON.readTree("{\"role\":\"user\",\"content\":["
        + "{\"type\":\"text\",\"text\":\"Write a title\"},{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
        + "\"content\":\"42 l\u00e9gumes \u2713\"}]}")));
    assertEquals("_XVXjWuV99jeSasT5ecMvA", MessageIdentity.lasting(JSON.readTree("{\"role\":\"assistant\",\"tool_calls\":"
        + "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"ls\",\"arguments\":"
        + "\"{\\\"path\\\":\\\"/tmp\\\",\\\"depth\\\":1.5}\"}}]}")));
  }

  @Test
  void anIdentityInTheProcessTellsApartWhatTheLastingOneTellsApartAndIsAsLong() throws Exception {
    java.util.Random random = new java.util.Random(21);
    java.util.Map<String, String> byFast = new java.util.HashMap<>();
    for (int n = 0; n < 20_000; n++) {
      StringBuilder text = new StringBuilder();
      for (int c = random.nextInt(300); c > 0; c--) text.append((char) (' ' + random.nextInt(0x2000)));
      String json = JSON.createObjectNode().put("role", n % 2 == 0 ? "user" : "assistant").put("content", text.toString())
          .toString();
      String fast = MessageIdentity.of(json);
      String lasting = MessageIdentity.lasting(JSON.readTree(json));
      assertEquals(22, fast.length());
      String before = byFast.put(fast, lasting);
      if (before != null) assertEquals(before, lasting, "two messages with one identity: " + json);
    }
  }

  @Test
  void aToolResultIsTheSameWhereverTheClientPutsItsCacheMarker() {
    String plain = """
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"42 lines"}]}]}""";
    String marked = """
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"42 lines",
        "cache_control":{"type":"ephemeral"}}],"cache_control":{"type":"ephemeral"}}]}""";
    String other = plain.replace("42 lines", "43 lines");
    assertEquals(MessageIdentity.of(plain), MessageIdentity.of(marked));
    assertNotEquals(MessageIdentity.of(plain), MessageIdentity.of(other));
  }

  @Test
  void aResponsesAnswerIsTheSameTurnWhetherTheGatewayStoredItOrTheClientResendsItsItems() {
    String stored = """
        {"role":"assistant","response_id":"resp_1","output":[{"id":"rs_1","type":"reasoning","summary":[]},
        {"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text",
        "text":"Listing.","annotations":[]}]},{"id":"fc_1","type":"function_call","status":"completed","call_id":"c1",
        "name":"shell","arguments":"{\\"cmd\\": \\"ls\\"}"}]}""";
    String resent = """
        {"role":"assistant","output":[{"type":"reasoning","summary":[],"encrypted_content":"e"},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Listing."}]},
        {"type":"function_call","call_id":"c1","name":"shell","arguments":"{\\"cmd\\":\\"ls\\"}"}]}""";
    String otherCall = resent.replace("ls", "pwd");
    assertEquals(MessageIdentity.of(stored), MessageIdentity.of(resent));
    assertNotEquals(MessageIdentity.of(stored), MessageIdentity.of(otherCall));
    assertNotEquals(MessageIdentity.EMPTY_ANSWER, MessageIdentity.of(resent));
    assertEquals(MessageIdentity.of("{\"role\":\"user\",\"content\":\"hi\"}"), MessageIdentity.of("""
        {"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}"""));
    assertNotEquals(MessageIdentity.of("{\"role\":\"tool\",\"output\":[{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"a\"}]}"),
        MessageIdentity.of("{\"role\":\"tool\",\"output\":[{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"b\"}]}"));
  }

  @Test
  void thinkingBlocksAndTheirSignaturesAreNoPartOfTheTurn() {
    String withThinking = """
        {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"A"},{"type":"text","text":"Yes."}]}""";
    String resigned = withThinking.replace("\"A\"", "\"B\"");
    String dropped = "{\"role\":\"assistant\",\"content\":\"Yes.\"}";
    assertEquals(MessageIdentity.of(withThinking), MessageIdentity.of(resigned));
    assertEquals(MessageIdentity.of(withThinking), MessageIdentity.of(dropped));
    assertEquals(MessageIdentity.EMPTY_ANSWER, MessageIdentity.of("""
        {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"A"}]}"""));
    assertEquals(MessageIdentity.EMPTY_ANSWER, MessageIdentity.of("{\"role\":\"assistant\",\"content\":[]}"));
  }

  @Test
  void anAnswerKeptInPartIsTheSameAnswerButAnotherAnswerIsNot() throws Exception {
    var whole = JSON.readTree("{\"role\":\"assistant\",\"content\":\"Once upon a time there was a gateway.\"}");
    var part = JSON.readTree("{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Once upon a ti\"}]}");
    var other = JSON.readTree("{\"role\":\"assistant\",\"content\":\"Twice upon a time\"}");
    var question = JSON.readTree("{\"role\":\"user\",\"content\":\"Once upon a ti\"}");
    assertTrue(MessageIdentity.sameAnswerInPart(whole, part));
    assertTrue(MessageIdentity.sameAnswerInPart(part, whole));
    assertFalse(MessageIdentity.sameAnswerInPart(whole, other));
    assertFalse(MessageIdentity.sameAnswerInPart(whole, question));
  }
}
