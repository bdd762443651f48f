package dev.rebound.gateway.stream;

import static dev.rebound.gateway.stream.JsonCursor.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonCursorTest {
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @Test
  void readsTheFieldsAskedForAndSkipsNestedValuesWhoseStringsHoldBracesAndQuotes() {
    JsonCursor c = JsonCursor.of(" { \"skip\" : {\"a\":[1,{\"b\":\"}]\\\"{\"}],\"c\":null} ,\"n\":-42,"
        + "\"s\":\"caf\\u00e9 \\ud83c\\udf75\\n\",\"t\":\"日本\",\"e\":\"\",\"arr\":[ ],\"obj\":{\"x\":1}}");
    assertTrue(c.enterObject());
    assertTrue(c.nextField());
    assertTrue(c.fieldIs(ascii("skip")));
    c.skipValue();
    assertTrue(c.nextField());
    assertTrue(c.fieldIs(ascii("n")));
    assertEquals(-42, c.longOr(0));
    assertTrue(c.nextField());
    assertEquals("café 🍵\n", c.stringOrNull());
    assertTrue(c.nextField());
    assertEquals("日本", c.stringOrNull());
    assertTrue(c.nextField());
    assertFalse(c.nonEmptyString());
    assertTrue(c.nextField());
    assertFalse(c.nonEmptyContainer(), "an empty array has no element");
    assertTrue(c.nextField());
    assertTrue(c.nonEmptyContainer());
    assertFalse(c.nextField());
    assertThrows(JsonCursor.Malformed.class, c::peek, "nothing is left after the value");
  }

  @Test
  void stringsOfEveryLengthWithEscapesAnywhereAreReadWhole() throws Exception {
    // the closing quote, and escapes, at every position relative to the eight-byte steps of the scan
    for (int length = 0; length < 30; length++) {
      for (int escapeAt = -1; escapeAt < length; escapeAt++) {
        for (String escape : new String[] {"\\\"", "\\\\", "\\n", "\\u00e9"}) {
          StringBuilder raw = new StringBuilder();
          for (int k = 0; k < length; k++) {
            if (k == escapeAt) raw.append(escape);
            raw.append(k % 3 == 0 ? 'é' : (char) ('a' + k % 26));
          }
          String json = "{\"s\":\"" + raw + "\",\"n\":7}";
          JsonCursor c = JsonCursor.of(json);
          assertTrue(c.enterObject());
          assertTrue(c.nextField());
          assertEquals(PLAIN.readTree(json).get("s").textValue(), c.stringOrNull(), json);
          assertTrue(c.nextField());
          assertEquals(7, c.longOr(0), json);
          assertFalse(c.nextField());
        }
      }
    }
  }

  @Test
  void aStringThatIsNotClosedIsMalformedWhereverItEnds() {
    for (String json : new String[] {"{\"s\":\"abc", "{\"s\":\"abcdefghijklmnop\\", "{\"s\":\"abcdefgh\\\"", "{\"s"}) {
      JsonCursor c = JsonCursor.of(json);
      assertTrue(c.enterObject());
      assertThrows(JsonCursor.Malformed.class, () -> {
        c.nextField();
        c.stringOrNull();
      }, json);
    }
  }

  @Test
  void numbersAndLiteralsEndAtEveryByteThatMayFollowThem() {
    for (String after : new String[] {",", "}", " ", "\n", "\r", "\t"}) {
      JsonCursor c = JsonCursor.of("{\"n\":12" + after + (after.equals("}") ? "" : "}"));
      assertTrue(c.enterObject());
      assertTrue(c.nextField());
      assertEquals(12, c.longOr(0), "[" + after + "]");
      assertFalse(c.nextField());
    }
    JsonCursor c = JsonCursor.of("[true,null,1.5]");
    assertTrue(c.enterArray());
    for (int k = 0; k < 3; k++) {
      assertTrue(c.nextElement());
      c.skipValue();
    }
    assertFalse(c.nextElement());
  }

  @Test
  void aValueOfAnotherTypeThanAskedForIsReadPastAndGivesTheFallback() {
    JsonCursor c = JsonCursor.of("{\"a\":{\"x\":\"y\"},\"b\":\"7\",\"c\":2.9,\"d\":1e3,\"e\":99999999999999999999999}");
    assertTrue(c.enterObject());
    c.nextField();
    assertNull(c.stringOrNull(), "an object is not a string");
    c.nextField();
    assertEquals(-1, c.longOr(-1), "a string is not a number");
    c.nextField();
    assertEquals(2, c.longOr(-1), "a fraction is cut");
    c.nextField();
    assertEquals(1000, c.longOr(-1));
    c.nextField();
    assertEquals(Long.MAX_VALUE, c.longOr(-1), "too large for a long is clamped");
    assertFalse(c.nextField());
  }

  @Test
  void aValueThatIsNotAnObjectIsNotEntered() {
    assertFalse(JsonCursor.of("[1]").enterObject());
    assertFalse(JsonCursor.of("\"x\"").enterObject());
    assertThrows(JsonCursor.Malformed.class, () -> JsonCursor.of("   ").enterObject());
  }

  @Test
  void everyTruncationOfADocumentIsMalformedNeverAnIndexErrorOrALoop() {
    String doc = "{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\\\"b\\u00e9\"},\"n\":[1,[2,{}]]}],"
        + "\"usage\":{\"t\":3}}";
    JsonNode expected = tree(doc);
    byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut < bytes.length; cut++) {
      JsonCursor c = new JsonCursor(bytes, 0, cut);
      assertThrows(JsonCursor.Malformed.class, () -> walk(c, expected, new Random(1)), "cut at " + cut);
    }
    walk(new JsonCursor(bytes, 0, bytes.length), expected, new Random(1));
  }

  @Test
  void aBrokenEscapeOrAStrayCharacterIsMalformed() {
    for (String broken : new String[] {"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12zz\"}", "{a:1}",
        "{\"a\" 1}", "{\"a\":}"}) {
      JsonCursor c = JsonCursor.of(broken);
      assertThrows(JsonCursor.Malformed.class, () -> {
        c.enterObject();
        while (c.nextField()) c.stringOrNull();
      }, broken);
    }
  }

  @Test
  void aTreeIsTheOneJacksonBuildsNumbersLiteralsEscapedNamesAndRepeatedMembersIncluded() {
    for (String doc : new String[] {"0", "-0", "7", "-12", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "999999999999999999", "-999999999999999999", "1234567890123456789", "99999999999999999999", "1.5", "-0.25",
        "1e3", "2E-2", "true", "false", "null", "\"\"", "\"a\\u00e9\\n\"", "[]", "{}", "[1,[2,[]],{\"a\":null}]",
        "{\"a\\u0062\":1,\"c\":{\"d\":[true,\"x\"]}}", "{\"a\":1,\"a\":2}", " { \"a\" : [ 1 , 2 ] } ",
        "{\"prompt_tokens\":12,\"completion_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":0}}"}) {
      assertEquals(tree(doc), JsonCursor.of(doc).tree(), doc);
    }
    // a tree is one value: what follows it is the caller's
    JsonCursor c = JsonCursor.of("{\"usage\":{\"t\":3}},\"x\":1}");
    assertTrue(c.enterObject());
    assertTrue(c.nextField());
    assertEquals(tree("{\"t\":3}"), c.tree());
    for (String broken : new String[] {"01", "-", "tru", "nul", "1.", "{\"a\":01}", "[1,}", "{\"a\":\"\\x\"}"}) {
      assertThrows(JsonCursor.Malformed.class, () -> JsonCursor.of(broken).tree(), broken);
    }
    // an upstream's value nested past Jackson's limit is malformed, not a stack overflow on the event loop
    String deep = "[".repeat(JsonCursor.MAX_DEPTH) + "]".repeat(JsonCursor.MAX_DEPTH);
    assertEquals(tree(deep), JsonCursor.of(deep).tree());
    String deeper = "{\"a\":".repeat(200_000) + "1" + "}".repeat(200_000);
    assertThrows(JsonCursor.Malformed.class, () -> JsonCursor.of(deeper).tree());
  }

  /** Random documents, written compact, indented and with every non-ASCII character escaped, read as Jackson reads them. */
  @Test
  void randomDocumentsReadTheSameAsJacksonReadsThem() throws Exception {
    Random random = new Random(20261204);
    for (int n = 0; n < 2_000; n++) {
      JsonNode doc = randomObject(random, 0);
      for (String text : new String[] {PLAIN.writeValueAsString(doc), PLAIN.writerWithDefaultPrettyPrinter()
          .writeValueAsString(doc), ESCAPING.writeValueAsString(doc)}) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // the event's data sits inside a larger buffer, as an SSE event's does
        byte[] framed = new byte[bytes.length + 12];
        System.arraycopy(ascii("data: "), 0, framed, 0, 6);
        System.arraycopy(bytes, 0, framed, 6, bytes.length);
        JsonCursor c = new JsonCursor(framed, 6, 6 + bytes.length);
        walk(c, doc, random);
        assertThrows(JsonCursor.Malformed.class, c::peek, text);
      }
    }
  }

  /** Reads {@code c} against {@code expected} with the cursor's own calls, skipping some values on the way. */
  private static void walk(JsonCursor c, JsonNode expected, Random random) {
    if (random.nextInt(5) == 0) {
      c.skipValue();
      return;
    }
    if (random.nextInt(7) == 0) {
      // the tree Jackson makes of the value as written: its node types too (an int is an IntNode, not a LongNode)
      assertEquals(tree(expected.toString()), c.tree(), expected.toString());
      return;
    }
    if (expected.isObject()) {
      assertTrue(c.enterObject());
      Iterator<Map.Entry<String, JsonNode>> members = expected.fields();
      while (c.nextField()) {
        Map.Entry<String, JsonNode> m = members.next();
        assertTrue(c.fieldIs(ascii(m.getKey())), m.getKey());
        walk(c, m.getValue(), random);
      }
      assertFalse(members.hasNext());
    } else if (expected.isArray()) {
      assertTrue(c.enterArray());
      Iterator<JsonNode> elements = expected.elements();
      while (c.nextElement()) walk(c, elements.next(), random);
      assertFalse(elements.hasNext());
    } else if (expected.isTextual()) {
      if (random.nextBoolean()) assertEquals(expected.textValue(), c.stringOrNull());
      else assertEquals(!expected.textValue().isEmpty(), c.nonEmptyString());
    } else if (expected.isIntegralNumber()) {
      assertEquals(expected.longValue(), c.longOr(Long.MIN_VALUE + 1));
    } else {
      assertNull(c.stringOrNull(), expected.toString());
    }
  }

  private static ObjectNode randomObject(Random random, int depth) {
    ObjectNode o = NODES.objectNode();
    int members = random.nextInt(depth == 0 ? 6 : 4);
    for (int k = 0; k < members; k++) o.set("k" + k + (random.nextBoolean() ? "_name" : ""), randomValue(random, depth + 1));
    return o;
  }

  private static JsonNode randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 3 ? 5 : 7)) {
      case 0:
        return NODES.textNode(randomText(random));
      case 1:
        return NODES.numberNode(random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(1000) - 500);
      case 2:
        return NODES.numberNode(random.nextDouble() * 100);
      case 3:
        return random.nextBoolean() ? NODES.booleanNode(random.nextBoolean()) : NODES.nullNode();
      case 4:
        return NODES.textNode(random.nextBoolean() ? "" : "}]\"{[\\");
      case 5:
        return randomObject(random, depth);
      default: {
        ArrayNode a = NODES.arrayNode();
        for (int k = random.nextInt(4); k > 0; k--) a.add(randomValue(random, depth + 1));
        return a;
      }
    }
  }

  private static String randomText(Random random) {
    String[] pieces = {"a", "Hello", " ", "\"", "\\", "/", "\n", "\t", "\u0001", "é", "日本", "🍵", "{", "]", ":", ","};
    StringBuilder s = new StringBuilder();
    for (int k = random.nextInt(8); k > 0; k--) s.append(pieces[random.nextInt(pieces.length)]);
    return s.toString();
  }

  private static JsonNode tree(String json) {
    try {
      return PLAIN.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
