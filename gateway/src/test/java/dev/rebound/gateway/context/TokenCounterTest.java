package dev.rebound.gateway.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.rebound.gateway.config.ContextConfig;
import dev.rebound.gateway.wire.formats.WireFormats;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Tokenizers TOKENIZERS = new Tokenizers(List.of(new ContextConfig.TokenizerRule("house-*", "o200k_base", 1.5)));

  private static ObjectNode body(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
  }

  @Test
  void openAiModelsAreCountedExactlyTheWayTheCookbookDoes() throws Exception {
    TokenCounter counter = new TokenCounter(TOKENIZERS, 1000);
    Tokenizer t = TOKENIZERS.forModel("gpt-4o");
    assertEquals("openai-o200k", t.family());
    PromptCount c = counter.count(WireFormats.OPENAI_CHAT.layout(), body("{'model':'gpt-4o','messages':[{'role':'user','content':'hello world'}]}"), t, new ContentDigests());
    // 3 per message + 'user' (1) + 'hello world' (2) + 3 for the reply
    assertEquals(9, c.total());
    assertEquals(null, c.maxTokens());
  }

  @Test
  void aLongTextIsCountedPieceByPieceToTheSameCountAsWhole() {
    StringBuilder prose = new StringBuilder();
    java.util.Random r = new java.util.Random(1);
    String[] words = {"the", "gateway", "counts", "tokens,", "checkpoint", "\n\n", "(maybe)", "unbelievably", "x=42;", "  "};
    while (prose.length() < 100_000) prose.append(words[r.nextInt(words.length)]).append(r.nextInt(5) == 0 ? "" : " ");
    for (String family : new String[] {"gpt-4o", "gpt-4-turbo", "claude-sonnet-4-5"}) {
      Tokenizer t = TOKENIZERS.forModel(family);
      assertEquals(t.encoding().count(prose.toString()), t.count(prose.toString()), family);
      // a run without a space is cut at the limit: 4096 characters of 'x' are 512 tokens either way
      assertEquals(t.encoding().count("x".repeat(40_960)), t.count("x".repeat(40_960)), family);
    }
    // memory stays that of one piece: two megabytes without a space are counted within a small heap's reach
    assertEquals(262_144, TOKENIZERS.forModel("gpt-4-turbo").count("x".repeat(2 * 1024 * 1024)));
  }

  @Test
  void olderOpenAiModelsUseCl100kAndOtherFamiliesAnEncodingTimesTheirFactor() {
    assertEquals("openai-cl100k", TOKENIZERS.forModel("gpt-4-turbo").family());
    assertEquals("claude", TOKENIZERS.forModel("claude-sonnet-4-5").family());
    assertEquals("qwen", TOKENIZERS.forModel("Qwen2.5-Coder-32B").family());
    assertEquals("other", TOKENIZERS.forModel("something-new").family());
    Tokenizer house = TOKENIZERS.forModel("house-model");
    assertEquals(1.5, house.factor(), "configured rules come before the built-in families");
    assertEquals(15, house.scale(10));
  }

  @Test
  void anthropicSystemToolsImagesAndToolBlocksAllCount() throws Exception {
    TokenCounter counter = new TokenCounter(TOKENIZERS, 500);
    Tokenizer t = TOKENIZERS.forModel("gpt-4o");
    PromptCount plain = counter.count(WireFormats.ANTHROPIC_MESSAGES.layout(), body("{'max_tokens':100,'messages':[{'role':'user','content':'hi'}]}"), t, new ContentDigests());
    PromptCount rich = counter.count(WireFormats.ANTHROPIC_MESSAGES.layout(), body("{'max_tokens':100,'system':'You are terse.',"
        + "'tools':[{'name':'read','description':'read a file','input_schema':{'type':'object'}}],"
        + "'messages':[{'role':'user','content':[{'type':'text','text':'hi'},{'type':'image','source':{'type':'base64','data':'AAAA'}}]},"
        + "{'role':'assistant','content':[{'type':'tool_use','id':'t1','name':'read','input':{'path':'a.txt'}}]},"
        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':'file text here'}]}]}"), t,
        new ContentDigests());
    assertEquals(100, plain.maxTokens());
    assertTrue(rich.fixed() > plain.fixed() + 10, "system prompt and tool schema count once");
    assertTrue(rich.messages()[0] >= 500, "an image counts the configured flat amount");
    assertTrue(rich.messages()[1] > 5 && rich.messages()[2] > 5, "tool_use and tool_result blocks count");
  }

  @Test
  void aMessageSeenBeforeIsTakenFromTheCache() throws Exception {
    TokenCounter counter = new TokenCounter(TOKENIZERS, 1000);
    Tokenizer t = TOKENIZERS.forModel("gpt-4o");
    ObjectNode first = body("{'messages':[{'role':'user','content':'one'},{'role':'assistant','content':'two'}]}");
    counter.count(WireFormats.OPENAI_CHAT.layout(), first, t, new ContentDigests());
    assertEquals(2, counter.cachedMessages());
    ObjectNode grown = body("{'messages':[{'role':'user','content':'one'},{'role':'assistant','content':'two'},{'role':'user','content':'three'}]}");
    PromptCount c = counter.count(WireFormats.OPENAI_CHAT.layout(), grown, t, new ContentDigests());
    assertEquals(3, counter.cachedMessages(), "only the new message was counted");
    assertEquals(3, c.messages().length);
  }

  @Test
  void aRequestsDigestsGiveEachValueItsContentHashAndKeepIt() throws Exception {
    ContentDigests digests = new ContentDigests();
    ObjectNode request = body("{'messages':[{'role':'user','content':'one'},{'role':'user','content':'one'}]}");
    var first = request.get("messages").get(0);
    long hash = digests.of(first);
    assertEquals(ContentHash.of(first), hash);
    assertEquals(hash, digests.of(request.get("messages").get(1)), "equal content, equal hash");
    assertEquals(hash, digests.of(first));
    assertTrue(hash != digests.of(request), "each value its own");
  }

  @Test
  void equalContentHashesEquallyAndAnyChangeHashesDifferently() throws Exception {
    long a = ContentHash.of(JSON.readTree("{\"role\":\"user\",\"content\":\"abcdefgh\"}"));
    assertEquals(a, ContentHash.of(JSON.readTree("{\"role\":\"user\",\"content\":\"abcdefgh\"}")));
    assertTrue(a != ContentHash.of(JSON.readTree("{\"role\":\"user\",\"content\":\"abcdefgi\"}")));
    assertTrue(a != ContentHash.of(JSON.readTree("{\"role\":\"assistant\",\"content\":\"abcdefgh\"}")));
    assertTrue(ContentHash.of(JSON.readTree("[\"ab\",\"c\"]")) != ContentHash.of(JSON.readTree("[\"a\",\"bc\"]")));
  }

  @Test
  void aChangeAnywhereInALongTextOrInAnyTextHashesDifferently() {
    // longer than the hash's scratch array: every slice of the text is read, each character in every position
    StringBuilder base = new StringBuilder();
    for (int i = 0; i < 10_000; i++) base.append((char) ('a' + i % 26));
    long whole = ContentHash.of(TextNode.valueOf(base.toString()));
    assertEquals(whole, ContentHash.of(TextNode.valueOf(new String(base))));
    java.util.Set<Long> seen = new java.util.HashSet<>(java.util.List.of(whole));
    for (int at : new int[] {0, 3, 4, 7, 4095, 4096, 4100, 8191, 8192, 9_998, 9_999}) {
      StringBuilder changed = new StringBuilder(base);
      changed.setCharAt(at, '\u00e9');
      assertTrue(seen.add(ContentHash.of(TextNode.valueOf(changed.toString()))), "changed at " + at);
    }
    assertTrue(seen.add(ContentHash.of(TextNode.valueOf(base.substring(1)))), "one character shorter");
    assertTrue(seen.add(ContentHash.of(TextNode.valueOf(base + "\ud83d\ude00"))), "beyond Latin-1");
    // every tail length below one step of eight characters
    for (int n = 0; n < 9; n++) assertTrue(seen.add(ContentHash.of(TextNode.valueOf("q".repeat(n)))), "length " + n);
  }
}
