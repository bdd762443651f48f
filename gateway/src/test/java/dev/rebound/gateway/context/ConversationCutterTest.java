package dev.rebound.gateway.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.rebound.gateway.wire.formats.WireFormats;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConversationCutterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ArrayNode messages(String json) throws Exception {
    return (ArrayNode) JSON.readTree(json.replace('\'', '"'));
  }

  private static int[] tokens(int n, int each) {
    int[] t = new int[n];
    java.util.Arrays.fill(t, each);
    return t;
  }

  @Test
  void aConversationThatFitsIsLeftAlone() throws Exception {
    ArrayNode m = messages("[{'role':'user','content':'hi'},{'role':'assistant','content':'hello'}]");
    ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.OPENAI_CHAT.layout(), m, tokens(2, 10), 3, 100, 4, i -> false);
    assertFalse(cut.changed());
    assertEquals(List.of(0, 1), cut.kept());
    assertEquals(23, cut.tokensAfter());
  }

  @Test
  void theOldestWholeTurnsGoFirstAndTheSystemPromptAndLastQuestionStay() throws Exception {
    ArrayNode m = messages("[{'role':'system','content':'rules'},"
        + "{'role':'user','content':'q1'},{'role':'assistant','content':'a1'},"
        + "{'role':'user','content':'q2'},{'role':'assistant','content':'a2'},"
        + "{'role':'user','content':'q3'},{'role':'assistant','content':'a3'},"
        + "{'role':'user','content':'q4'}]");
    ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.OPENAI_CHAT.layout(), m, tokens(8, 10), 0, 50, 1, i -> false);
    assertTrue(cut.fits());
    assertEquals(List.of(0, 5, 6, 7), cut.kept(), "system + the newest whole turns that fit");
    assertEquals(List.of(1, 2, 3, 4), cut.dropped());
    assertEquals(40, cut.tokensAfter());
  }

  @Test
  void parallelToolCallsStayWithAllTheirResults() throws Exception {
    // OpenAI: one assistant message with two calls, answered by two tool messages
    ArrayNode m = messages("[{'role':'user','content':'q1'},"
        + "{'role':'assistant','content':null,'tool_calls':[{'id':'a','type':'function','function':{'name':'f','arguments':'{}'}},"
        + "{'id':'b','type':'function','function':{'name':'g','arguments':'{}'}}]},"
        + "{'role':'tool','tool_call_id':'a','content':'ra'},{'role':'tool','tool_call_id':'b','content':'rb'},"
        + "{'role':'assistant','content':'done'},"
        + "{'role':'user','content':'q2'}]");
    int[] units = ConversationCutter.unitEnds(WireFormats.OPENAI_CHAT.layout(), m);
    assertEquals(3, units[1], "the call reaches to its last result");
    for (int budget = 5; budget <= 70; budget += 5) {
      ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.OPENAI_CHAT.layout(), m, tokens(6, 10), 0, budget, 1, i -> false);
      Set<Integer> kept = new HashSet<>(cut.kept());
      assertEquals(kept.contains(1), kept.contains(2), "budget " + budget + ": " + cut);
      assertEquals(kept.contains(1), kept.contains(3), "budget " + budget + ": " + cut);
    }
  }

  @Test
  void anthropicToolUseStaysWithItsToolResult() throws Exception {
    ArrayNode m = messages("[{'role':'user','content':'fix the bug'},"
        + "{'role':'assistant','content':[{'type':'text','text':'reading'},{'type':'tool_use','id':'t1','name':'read','input':{}},"
        + "{'type':'tool_use','id':'t2','name':'read','input':{}}]},"
        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':'x'},{'type':'tool_result','tool_use_id':'t2','content':'y'}]},"
        + "{'role':'assistant','content':[{'type':'tool_use','id':'t3','name':'edit','input':{}}]},"
        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t3','content':'ok'}]},"
        + "{'role':'assistant','content':'fixed'}]");
    // one long turn (an agent loop): the cut gives up its oldest exchange, never the question nor the final unit
    ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.ANTHROPIC_MESSAGES.layout(), m, new int[] {10, 100, 100, 10, 10, 10}, 0, 70, 4, i -> false);
    assertTrue(cut.fits(), cut.toString());
    assertEquals(List.of(0, 3, 4, 5), cut.kept());
    assertFalse(cut.needsLeadingUser());
  }

  @Test
  void pinnedMessagesAreKeptWhereverTheyStand() throws Exception {
    ArrayNode m = messages("[{'role':'user','content':'q1 [x-rebound-pin]'},{'role':'assistant','content':'a1'},"
        + "{'role':'user','content':'q2'},{'role':'assistant','content':'a2'},{'role':'user','content':'q3'}]");
    ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.OPENAI_CHAT.layout(), m, tokens(5, 10), 0, 20, 1, i -> i == 0);
    assertEquals(List.of(0, 4), cut.kept());
  }

  @Test
  void anAnthropicCutThatWouldStartWithTheAssistantGetsALeadingUserNote() throws Exception {
    ArrayNode m = messages("[{'role':'user','content':'q1'},{'role':'assistant','content':'pinned answer'},"
        + "{'role':'user','content':'q2'},{'role':'assistant','content':'a2'},{'role':'user','content':'q3'}]");
    ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.ANTHROPIC_MESSAGES.layout(), m, tokens(5, 10), 0, 45, 1, i -> i == 1);
    assertEquals(List.of(1, 4), cut.kept());
    assertTrue(cut.needsLeadingUser());
    assertTrue(cut.fits(), "the note's tokens were left room for");
  }

  @Test
  void whenEvenTheLastTurnIsTooBigTheCutSaysItDoesNotFit() throws Exception {
    ArrayNode m = messages("[{'role':'system','content':'s'},{'role':'user','content':'q1'},{'role':'user','content':'huge'}]");
    ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.OPENAI_CHAT.layout(), m, new int[] {10, 10, 500}, 0, 100, 1, i -> false);
    assertFalse(cut.fits());
    assertEquals(List.of(0, 2), cut.kept());
    assertEquals(510, cut.tokensAfter());
  }

  @Test
  void theNewestTurnsKeepTheirQuestionsAndAnswersBeforeAnyOfThemIsDropped() throws Exception {
    // two recent turns, each with a bulky tool exchange: the exchanges go before the older recent turn itself
    ArrayNode m = messages("[{'role':'user','content':'q1'},"
        + "{'role':'assistant','content':null,'tool_calls':[{'id':'a','type':'function','function':{'name':'f','arguments':'{}'}}]},"
        + "{'role':'tool','tool_call_id':'a','content':'big'},{'role':'assistant','content':'a1'},"
        + "{'role':'user','content':'q2'}]");
    ConversationCutter.Cut cut = ConversationCutter.cut(WireFormats.OPENAI_CHAT.layout(), m, new int[] {10, 10, 300, 10, 10}, 0, 50, 2, i -> false);
    assertEquals(List.of(0, 3, 4), cut.kept());
  }

  @Test
  void unitsOfAnUnansweredCallAreJustTheCall() throws Exception {
    JsonNode m = messages("[{'role':'assistant','content':null,'tool_calls':[{'id':'x','type':'function','function':{'name':'f','arguments':'{}'}}]},"
        + "{'role':'user','content':'never mind'}]");
    assertEquals(0, ConversationCutter.unitEnds(WireFormats.OPENAI_CHAT.layout(), m)[0]);
  }
}
