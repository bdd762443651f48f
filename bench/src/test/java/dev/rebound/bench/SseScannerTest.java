package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseScannerTest {
  private static List<String[]> scan(String text, int split) {
    List<String[]> events = new ArrayList<>();
    SseScanner s = new SseScanner((e, d) -> events.add(new String[] {e, d}));
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i += split) s.feed(b, i, Math.min(split, b.length - i));
    return events;
  }

  @Test
  void eventsArriveWholeHoweverTheBytesAreSplit() {
    String text = "event: message_start\ndata: {\"a\":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\n\r\n"
        + "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";
    for (int split : new int[] {1, 2, 7, 1000}) {
      List<String[]> ev = scan(text, split);
      assertEquals(3, ev.size(), "split " + split);
      assertEquals("message_start", ev.get(0)[0]);
      assertEquals("{\"a\":1}", ev.get(0)[1]);
      assertEquals(null, ev.get(1)[0]);
      assertEquals("line1\nline2", ev.get(1)[1]);
      assertEquals("message_stop", ev.get(2)[0]);
    }
  }

  @Test
  void commentsAreCountedNotDispatchedAndAnUnfinishedEventIsNotDispatched() {
    List<String[]> events = new ArrayList<>();
    SseScanner s = new SseScanner((e, d) -> events.add(new String[] {e, d}));
    s.feed(": keep-alive\n\n: keep-alive\n\ndata: [DONE]".getBytes(StandardCharsets.UTF_8));
    assertEquals(2, s.comments());
    assertTrue(events.isEmpty(), "no blank line after the data yet");
    s.feed("\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(1, events.size());
    assertEquals("[DONE]", events.get(0)[1]);
    assertEquals(1, s.events());
  }

  @Test
  void longLinesAndUtf8() {
    String big = "x".repeat(5000) + "é";
    List<String[]> ev = scan("data: " + big + "\n\n", 333);
    assertEquals(big, ev.get(0)[1]);
  }

  @Test
  void protocolMarkers() {
    Protocol o = Protocol.OPENAI;
    assertTrue(o.isContent(null, "{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"Mock\"}}]}"));
    assertFalse(o.isContent(null, "{\"choices\":[{\"delta\":{\"content\":\"\"}}]}"), "empty content is not a token");
    assertFalse(o.isContent(null, "{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}"));
    assertTrue(o.isContent(null, "{\"choices\":[{\"delta\":{\"tool_calls\":[]}}]}"));
    assertTrue(o.isEnd(null, "[DONE]"));
    assertTrue(o.isError(null, "{\"error\":{\"message\":\"x\"}}"));
    assertFalse(o.isError(null, "{\"choices\":[]}"));

    Protocol a = Protocol.ANTHROPIC;
    assertTrue(a.isContent("content_block_delta", "{}"));
    assertFalse(a.isContent("content_block_start", "{}"));
    assertFalse(a.isContent("ping", "{}"));
    assertTrue(a.isEnd("message_stop", "{}"));
    assertFalse(a.isEnd("message_delta", "{}"));
    assertTrue(a.isError("error", "{}"));
  }

  @Test
  void requestBodies() {
    assertEquals("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi m1\"}]}",
        Protocol.OPENAI.body(true, "hi m1"));
    assertTrue(Protocol.ANTHROPIC.body(false, "hi").contains("\"max_tokens\":256"));
    assertEquals("2023-06-01", Protocol.ANTHROPIC.headers().get("anthropic-version"));
  }
}
