package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** How a connection's next session request is built from the history and the answers. */
class ConversationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** s1, s2, ... */
  static Supplier<String> counter() {
    int[] n = {0};
    return () -> "s" + (++n[0]);
  }

  static byte[] openAiAnswer(String text) {
    return ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\",\"refusal\":null},\"logprobs\":null,"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":3,\"total_tokens\":11}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] anthropicAnswer(String text) {
    return ("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":"
        + "[{\"type\":\"text\",\"text\":\"" + text + "\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":8}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static JsonNode messages(String body) throws Exception {
    return JSON.readTree(body).get("messages");
  }

  @Test
  void eachRequestIsThePreviousMessagesPlusTheAnswerAsReturnedPlusANewUserMessage() throws Exception {
    Conversation c = new Conversation(Protocol.OPENAI, 8, counter());
    String first = c.nextBody();
    JsonNode root = JSON.readTree(first);
    assertEquals("gpt-4o", root.get("model").asText());
    assertEquals(false, root.get("stream").asBoolean());
    assertEquals(1, root.get("messages").size());
    assertEquals("user", root.get("messages").get(0).get("role").asText());
    assertEquals("s1", c.sessionId());
    assertEquals(1, c.turn());
    assertNull(c.answered(openAiAnswer("first answer")));

    String second = c.nextBody();
    JsonNode m = messages(second);
    assertEquals(3, m.size());
    assertEquals(messages(first).get(0), m.get(0), "the history is repeated as it was sent");
    // the assistant message exactly as answered (choices[0].message), refusal: null included
    assertEquals(JSON.readTree("{\"role\":\"assistant\",\"content\":\"first answer\",\"refusal\":null}"), m.get(1));
    assertEquals("user", m.get(2).get("role").asText());
    assertTrue(second.contains("{\"role\":\"assistant\",\"content\":\"first answer\",\"refusal\":null}"),
        "the answer's JSON is carried byte for byte: " + second);
    assertEquals("s1", c.sessionId());
    assertEquals(2, c.turn());

    // each body starts with the previous one's messages
    String previous = second;
    for (int turn = 2; turn <= 4; turn++) {
      assertNull(c.answered(openAiAnswer("answer " + turn)));
      String next = c.nextBody();
      JsonNode before = messages(previous);
      JsonNode after = messages(next);
      assertEquals(before.size() + 2, after.size());
      for (int i = 0; i < before.size(); i++) assertEquals(before.get(i), after.get(i));
      assertEquals("answer " + turn, after.get(after.size() - 2).get("content").asText());
      previous = next;
    }
  }

  @Test
  void userMessagesDependOnlyOnTheTurnSoDirectAndGatewaySendTheSameBytes() {
    Conversation a = new Conversation(Protocol.ANTHROPIC, 8, counter());
    Conversation b = new Conversation(Protocol.ANTHROPIC, 8, () -> "other-" + System.nanoTime());
    for (int turn = 1; turn <= 5; turn++) {
      assertEquals(a.nextBody(), b.nextBody(), "turn " + turn);
      a.answered(anthropicAnswer("same answer"));
      b.answered(anthropicAnswer("same answer"));
    }
    assertEquals("/v1/messages", a.path(false));
    assertEquals("/s/s1/v1/messages", a.path(true));
  }

  @Test
  void anthropicAssistantMessageIsRoleAndContentAsTheGatewayStoresIt() throws Exception {
    Conversation c = new Conversation(Protocol.ANTHROPIC, 8, counter());
    String first = c.nextBody();
    JsonNode root = JSON.readTree(first);
    assertEquals(256, root.get("max_tokens").asInt());
    assertEquals("claude-sonnet-4-5", root.get("model").asText());
    assertNull(c.answered(anthropicAnswer("hi there")));
    JsonNode m = messages(c.nextBody());
    assertEquals(JSON.readTree("{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"hi there\"}]}"), m.get(1));
    assertEquals(3, m.size());
  }

  @Test
  void afterMaxTurnsTheNextRequestStartsANewSession() throws Exception {
    Conversation c = new Conversation(Protocol.OPENAI, 3, counter());
    List<String> ids = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    List<Integer> turns = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      sizes.add(messages(c.nextBody()).size());
      ids.add(c.sessionId());
      turns.add(c.turn());
      c.answered(openAiAnswer("a" + i));
    }
    assertEquals(List.of("s1", "s1", "s1", "s2", "s2", "s2", "s3"), ids);
    assertEquals(List.of(1, 3, 5, 1, 3, 5, 1), sizes);
    assertEquals(List.of(1, 2, 3, 1, 2, 3, 1), turns);
  }

  @Test
  void aFailedRequestOrAnAnswerWithoutAnAssistantMessageStartsANewSession() throws Exception {
    Conversation c = new Conversation(Protocol.OPENAI, 8, counter());
    c.nextBody();
    c.answered(openAiAnswer("one"));
    c.nextBody();
    assertEquals(2, c.turn());
    c.failed();
    assertEquals(1, messages(c.nextBody()).size());
    assertEquals("s2", c.sessionId());
    assertEquals(Conversation.NO_ASSISTANT_MESSAGE, c.answered("{\"error\":{\"message\":\"x\"}}".getBytes(StandardCharsets.UTF_8)));
    assertEquals(1, messages(c.nextBody()).size());
    assertEquals("s3", c.sessionId());
    assertEquals(Conversation.NO_ASSISTANT_MESSAGE, c.answered("not json".getBytes(StandardCharsets.UTF_8)));
    assertEquals(0, c.historySize());
  }

  @Test
  void theGatewaysSessionHeaderMustNameTheSessionAndTurn() {
    Conversation c = new Conversation(Protocol.OPENAI, 8, counter());
    c.nextBody();
    assertNull(c.checkSessionHeader("s1; turn=1"));
    assertEquals(Conversation.HEADER_MISSING, c.checkSessionHeader(null));
    assertEquals(Conversation.HEADER_MISSING, c.checkSessionHeader(" "));
    assertEquals(Conversation.HEADER_MISMATCH, c.checkSessionHeader("s1; turn=2"));
    assertEquals(Conversation.HEADER_MISMATCH, c.checkSessionHeader("s9; turn=1"));
    c.answered(openAiAnswer("x"));
    c.nextBody();
    assertNull(c.checkSessionHeader("s1; turn=2"));
  }

  @Test
  void aRequestWithoutASessionIdMustBeAnsweredWithoutTheSessionHeader() {
    // direct, and through the gateway with sessions off: the plain path, and no session bound
    Conversation c = new Conversation(Protocol.OPENAI, 8, counter());
    c.nextBody();
    assertEquals("/v1/chat/completions", c.path(false));
    assertNull(Conversation.checkNoSessionHeader(null));
    assertNull(Conversation.checkNoSessionHeader(""));
    assertEquals(Conversation.HEADER_UNEXPECTED, Conversation.checkNoSessionHeader("s1; turn=1"));
  }

  @Test
  void randomIdsAreValidGatewaySessionIdsAndDistinct() {
    Supplier<String> ids = Conversation.randomIds();
    String a = ids.get();
    String b = ids.get();
    assertTrue(a.matches("[A-Za-z0-9._:-]{1,128}"), a);
    assertTrue(!a.equals(b));
    assertThrows(IllegalArgumentException.class, () -> new Conversation(Protocol.OPENAI, 0, ids));
  }

  @Test
  void theLastRequestOfAnEightTurnSessionStaysSmall() {
    Conversation c = new Conversation(Protocol.OPENAI, Scenarios.SESSION_TURNS, Conversation.randomIds());
    String body = "";
    for (int turn = 1; turn <= Scenarios.SESSION_TURNS; turn++) {
      body = c.nextBody();
      c.answered(openAiAnswer("Mock reply to: Turn " + turn + " of the bench session: please go on word5 word6 word7 word8"));
    }
    assertTrue(body.length() < 2500, body.length() + " bytes");
  }
}
