package dev.rebound.gateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SseParserTest {

  private static List<SseEvent> feedInPieces(byte[] bytes, int... cuts) {
    SseParser parser = new SseParser();
    List<SseEvent> events = new ArrayList<>();
    int from = 0;
    for (int cut : cuts) {
      events.addAll(parser.feed(Buffer.buffer(Arrays.copyOfRange(bytes, from, cut))));
      from = cut;
    }
    events.addAll(parser.feed(Buffer.buffer(Arrays.copyOfRange(bytes, from, bytes.length))));
    assertEquals("", parser.pending());
    return events;
  }

  private static String rawOf(List<SseEvent> events) {
    StringBuilder sb = new StringBuilder();
    for (SseEvent e : events) sb.append(e.raw());
    return sb.toString();
  }

  private static void assertSameEventsWhereverSplit(String stream) {
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    List<SseEvent> whole = feedInPieces(bytes);
    assertEquals(stream, rawOf(whole));
    for (int cut = 0; cut <= bytes.length; cut++) {
      assertEquals(whole, feedInPieces(bytes, cut), "split at byte " + cut);
    }
    int[] everyByte = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) everyByte[i] = i;
    assertEquals(whole, feedInPieces(bytes, everyByte), "fed byte by byte");
  }

  @Test
  void anEventReadFromBytesKeepsThemExactAndDecodesItsDataOnlyWhenAsked() {
    String stream = "event: e1\ndata: {\"error\":1,\"t\":\"é\"}\n\n: ping\n\ndata: [DONE]\n\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut <= bytes.length; cut++) {
      List<SseEvent> events = feedInPieces(bytes, cut);
      assertEquals(3, events.size());
      SseEvent first = events.get(0);
      assertTrue(first.dataContains("\"error\""), "found in the bytes, split at " + cut);
      assertFalse(first.dataContains("[DONE]"));
      assertEquals("{\"error\":1,\"t\":\"é\"}", first.data(), "split at " + cut);
      assertEquals("é", first.json().get("t").asText());
      assertEquals(Buffer.buffer("event: e1\ndata: {\"error\":1,\"t\":\"é\"}\n\n"), first.bytes());
      assertTrue(events.get(1).isComment() && !events.get(1).hasData() && !events.get(1).dataContains("p"));
      assertTrue(events.get(2).isDone() && !first.isDone());
    }
  }

  @Test
  void anOpenAiStreamSplitAtAnyByteGivesTheSameEvents() {
    String stream = RecordedStreams.openAiOriginalCut() + RecordedStreams.openAiContinuation();
    assertSameEventsWhereverSplit(stream);
    List<SseEvent> events = RecordedStreams.parse(stream);
    assertEquals(11, events.size());
    assertTrue(events.get(2).isComment());
    assertEquals("[DONE]", events.get(10).data());
  }

  @Test
  void anAnthropicStreamSplitAtAnyByteGivesTheSameEvents() {
    String stream = RecordedStreams.anthropicOriginalCut() + RecordedStreams.overloaded();
    assertSameEventsWhereverSplit(stream);
    List<SseEvent> events = RecordedStreams.parse(stream);
    assertEquals(11, events.size());
    assertEquals("message_start", events.get(0).event());
    assertEquals("error", events.get(10).event());
  }

  @Test
  void aCrlfStreamSplitAtAnyByteGivesTheSameEvents() {
    String stream = RecordedStreams.anthropicContinuation().replace("\n", "\r\n");
    assertSameEventsWhereverSplit(stream);
    SseEvent first = RecordedStreams.parse(stream).get(0);
    assertEquals("message_start", first.event());
    assertTrue(first.data().startsWith("{\"type\":\"message_start\""));
    assertTrue(first.raw().endsWith("}\r\n\r\n"));
  }

  @Test
  void aMultiByteCharacterCutBetweenChunksIsDecodedWhole() {
    byte[] bytes = "data: {\"t\":\"🍵日\"}\n\n".getBytes(StandardCharsets.UTF_8);
    int insideTheEmoji = "data: {\"t\":\"".length() + 2;
    List<SseEvent> events = feedInPieces(bytes, insideTheEmoji, insideTheEmoji + 3);
    assertEquals(List.of("{\"t\":\"🍵日\"}"), RecordedStreams.dataOf(events));
  }

  @Test
  void multipleDataLinesAreJoinedWithNewlines() {
    SseEvent e = RecordedStreams.parse("event: note\ndata: first\ndata:second\ndata\n\n").get(0);
    assertEquals("note", e.event());
    assertEquals("first\nsecond\n", e.data());
  }

  @Test
  void commentOnlyEventsAreCommentsAndCarryNoData() {
    List<SseEvent> events = RecordedStreams.parse(": keep-alive\n\n:\n: two lines\n\n: before\ndata: x\n\n");
    assertEquals(3, events.size());
    assertTrue(events.get(0).isComment());
    assertNull(events.get(0).data());
    assertTrue(events.get(1).isComment());
    assertFalse(events.get(2).isComment());
    assertEquals("x", events.get(2).data());
  }

  @Test
  void anEventWithOnlyAnIdIsNotAComment() {
    SseEvent e = RecordedStreams.parse("id: 7\n\n").get(0);
    assertFalse(e.isComment());
    assertNull(e.data());
  }

  @Test
  void strayBlankLinesStayInTheRawTextOfTheNextEvent() {
    String stream = "\n\ndata: a\n\n\r\n\ndata: b\n\n";
    List<SseEvent> events = RecordedStreams.parse(stream);
    assertEquals(List.of("a", "b"), RecordedStreams.dataOf(events));
    assertEquals(stream, rawOf(events));
  }

  @Test
  void anIncompleteEventIsHeldBackUntilItsBlankLine() {
    SseParser parser = new SseParser();
    assertEquals(List.of(), parser.feed(Buffer.buffer("event: ping\ndata: {}\n")));
    assertEquals("event: ping\ndata: {}\n", parser.pending());
    List<SseEvent> events = parser.feed(Buffer.buffer("\nevent: message_stop\n"));
    assertEquals(List.of(new SseEvent("ping", "{}", "event: ping\ndata: {}\n\n")), events);
    assertEquals("event: message_stop\n", parser.pending());
  }

  @Test
  void anEventLargerThanTheLimitIsRefused() {
    SseParser parser = new SseParser(16);
    assertThrows(IllegalStateException.class, () -> parser.feed(Buffer.buffer("data: 0123456789abcdef")));
  }

  @Test
  void findsEveryLineEndAndQuoteWordByWordAsABytewiseScanWould() {
    java.util.Random random = new java.util.Random(20261204);
    byte[] alphabet = {'\n', '\r', 'a', ':', ' ', '"', '#', (byte) 0xA2, (byte) 0x0B, (byte) 0x8A, (byte) 0xFF, 0x09, 0x00};
    for (int round = 0; round < 2_000; round++) {
      byte[] b = new byte[random.nextInt(40)];
      for (int k = 0; k < b.length; k++) b[k] = alphabet[random.nextInt(alphabet.length)];
      int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
      int to = from + random.nextInt(b.length - from + 1);
      assertEquals(bytewise(b, from, to, (byte) '\n'), SseParser.indexOfLf(b, from, to),
          Arrays.toString(b) + " [" + from + ", " + to + ")");
      assertEquals(bytewise(b, from, to, (byte) '"'), SseParser.indexOf(b, from, to, (byte) '"'),
          Arrays.toString(b) + " [" + from + ", " + to + ")");
    }
  }

  private static int bytewise(byte[] b, int from, int to, byte value) {
    for (int k = from; k < to; k++) if (b[k] == value) return k;
    return -1;
  }

  @Test
  void aNeedleIsFoundAtEveryOffsetOfDataOfEveryLengthAsStringContainsFindsIt() {
    // starts on both sides of each eight-byte block, next to near misses (first, second and last byte right)
    Random random = new Random(11);
    String[] fillers = {"x", "\"", "\"e", "\"e   \"", "\"ex\"r\"", "é"};
    for (String needle : new String[] {"\"error\"", "[DONE]", "ab", "p"}) {
      for (int length = 0; length < 40; length++) {
        for (int round = 0; round < 20; round++) {
          StringBuilder data = new StringBuilder();
          while (data.length() < length) data.append(fillers[random.nextInt(fillers.length)]);
          data.setLength(length);
          if (round % 2 == 0 && length >= needle.length()) {
            int at = random.nextInt(length - needle.length() + 1);
            data.replace(at, at + needle.length(), needle);
          }
          String text = data.toString().replace("\n", " ");
          SseEvent e = new SseParser().feed(Buffer.buffer("data: " + text + "\n\n")).get(0);
          assertEquals(text.contains(needle), e.dataContains(needle), needle + " in [" + text + "]");
        }
      }
    }
  }

  @Test
  void aMemberWhoseValueIsAnObjectIsFoundByItsNameAndNotANullOrAStringThatReadsTheName() {
    String[] yes = {"{\"usage\":{\"prompt_tokens\":1}}", "{\"choices\":[],\"usage\" : \t{}}",
        "{\"a\":\"usage\",\"usage\":\r{}}", "{\"x\":{\"usage\":{}}}"};
    String[] no = {"{\"usage\":null}", "{\"finish_reason\":\"usage\"}", "{\"content\":\"\\\"usage\\\": {\"}",
        "{\"us\\u0061ge\":{}}", "{\"usage\":", "{\"usage\"", "{}", "{\"usage\":[{}]}"};
    assertOnBytesAndText(yes, e -> e.dataHasObjectMember("usage"), true);
    assertOnBytesAndText(no, e -> e.dataHasObjectMember("usage"), false);
  }

  /** The check gives {@code expected} on each data, as read from bytes and as an event built from text. */
  private static void assertOnBytesAndText(String[] data, java.util.function.Predicate<SseEvent> check, boolean expected) {
    for (String d : data) {
      assertEquals(expected, check.test(new SseParser().feed(Buffer.buffer("data: " + d + "\n\n")).get(0)), d);
      assertEquals(expected, check.test(new SseEvent(null, d, "data: " + d + "\n\n")), "as text: " + d);
    }
  }

  @Test
  void aNameIsFoundAnywhereButAsAMemberSetToNull() {
    String[] yes = {"{\"error\":{}}", "{\"error\":\"x\"}", "{\"type\":\"error\"}", "[\"error\"]", "{\"error\" : 1}",
        "{\"x\":1,\"error\"", "{\"a\":{\"error\":null},\"error\":{\"message\":\"m\"}}", "{\"error\":nul"};
    String[] no = {"{\"error\":null}", "{\"response\":{\"id\":\"r\",\"error\" :\tnull,\"status\":\"in_progress\"}}",
        "{\"content\":\"\\\"error\\\"\"}", "{}", "{\"errors\":1}"};
    assertOnBytesAndText(yes, e -> e.dataHasUnlessNull("error"), true);
    assertOnBytesAndText(no, e -> e.dataHasUnlessNull("error"), false);
  }

  @Test
  void anErrorIsFoundInAnEventsDataWhereverItStandsAndOnlyThere() {
    String data = "{\"choices\":[{\"delta\":{\"content\":\"an \\\"error\\\" in text\"}}]}";
    SseEvent plain = new SseParser().feed(Buffer.buffer("data: " + data + "\n\n")).get(0);
    assertFalse(plain.dataContains("\"error\""), "an escaped quote is not a quote");
    for (String at : new String[] {"{\"error\":{}}", "{\"x\":1,\"error\"", "\"error\"", "\"\"error\""}) {
      SseEvent e = new SseParser().feed(Buffer.buffer("event: x\ndata: " + at + "\n\n")).get(0);
      assertTrue(e.dataContains("\"error\""), at);
    }
    SseEvent cutShort = new SseParser().feed(Buffer.buffer("data: {\"erro\n\n")).get(0);
    assertFalse(cutShort.dataContains("\"error\""));
    SseEvent inName = new SseParser().feed(Buffer.buffer("event: \"error\"\ndata: {}\n\n")).get(0);
    assertFalse(inName.dataContains("\"error\""), "only the data is searched");
  }

  @Test
  void theEventsOfOneReadAreOneRunOfBytesThatLaterReadsNeverChange() {
    SseParser parser = new SseParser();
    String first = "data: {\"a\":1}\n\nevent: x\ndata: {\"b\":2}\n\n";
    List<SseEvent> events = parser.feed(Buffer.buffer(first + "data: {\"c\":"));
    assertEquals(2, events.size());
    assertTrue(events.get(0).isFollowedBy(events.get(1)));
    assertEquals(first, SseEvent.between(events.get(0), events.get(1)).toString());
    // the incomplete event goes on in the next read, and more follow: the first read's bytes stay as they were
    List<SseEvent> next = parser.feed(Buffer.buffer("3}\n\n" + "data: {\"d\":4}\n\n".repeat(50)));
    assertEquals(51, next.size());
    assertEquals("data: {\"c\":3}\n\n", next.get(0).raw());
    assertFalse(events.get(1).isFollowedBy(next.get(0)), "the next read's events are in an array of their own");
    assertEquals(first, SseEvent.between(events.get(0), events.get(1)).toString());
    assertEquals("{\"b\":2}", events.get(1).data());
    assertEquals("data: {\"d\":4}\n\n".repeat(50), SseEvent.between(next.get(1), next.get(50)).toString());
    SseEvent written = SseEvent.of(null, "{}");
    assertFalse(next.get(50).isFollowedBy(written));
    assertEquals("data: {}\n\n", SseEvent.between(written, written).toString());
  }
}
