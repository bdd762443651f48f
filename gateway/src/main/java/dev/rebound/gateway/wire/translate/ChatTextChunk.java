package dev.rebound.gateway.wire.translate;

import dev.rebound.gateway.stream.JsonCursor;
import dev.rebound.gateway.stream.SseEvent;

/**
 * Reads the chunk that makes up most of a streamed Chat Completions answer (its first choice carries text and nothing
 * else) from the event's bytes, without a tree: a translation writes the text into the client's event from a prepared
 * head. Any other chunk (an error, a finish, a usage report, reasoning, a refusal, tool calls, anything unusual) is
 * left to the translator's tree reading, which knows every case; so this says "text only" only where the tree reading
 * would find exactly that text and nothing more.
 */
final class ChatTextChunk {
  private static final byte[] ERROR = JsonCursor.ascii("error");
  private static final byte[] OBJECT = JsonCursor.ascii("object");
  private static final byte[] USAGE = JsonCursor.ascii("usage");
  private static final byte[] CHOICES = JsonCursor.ascii("choices");
  private static final byte[] INDEX = JsonCursor.ascii("index");
  private static final byte[] FINISH_REASON = JsonCursor.ascii("finish_reason");
  private static final byte[] DELTA = JsonCursor.ascii("delta");
  private static final byte[] CONTENT = JsonCursor.ascii("content");
  private static final byte[] ROLE = JsonCursor.ascii("role");

  private ChatTextChunk() {}

  /** The text of choice 0 ("" for an empty one) when that is all the chunk says; null for any other chunk. */
  static String textOf(SseEvent event) {
    String text = null;
    try {
      JsonCursor p = event.jsonCursor();
      if (p == null || !p.enterObject()) return null;
      while (p.nextField()) {
        if (p.fieldIs(OBJECT)) {
          if (p.stringIs(ERROR)) return null; // vLLM's older error chunk
        } else if (p.fieldIs(ERROR) || (p.fieldIs(USAGE) && p.peek() == '{')) {
          return null;
        } else if (p.fieldIs(CHOICES) && p.enterArray()) {
          while (p.nextElement()) {
            if (text != null) {
              p.skipValue(); // the tree reading takes the first choice 0 too
            } else {
              text = choiceText(p);
              if (text == null) return null;
            }
          }
        } else {
          p.skipValue();
        }
      }
    } catch (JsonCursor.Malformed e) {
      return null;
    }
    return text;
  }

  /** The content of the choice that comes next when it is choice 0 and its delta holds only content (and a role). */
  private static String choiceText(JsonCursor p) {
    if (!p.enterObject()) return null;
    String content = null;
    while (p.nextField()) {
      if (p.fieldIs(INDEX)) {
        // choice 0, or one without an index, as the tree reading counts them (a string "0" is left to it)
        if (p.peek() == '"' || p.peek() == 't' || p.longOr(0) != 0) return null;
      } else if (p.fieldIs(FINISH_REASON)) {
        if (p.peek() != 'n') return null;
        p.skipValue();
      } else if (p.fieldIs(DELTA)) {
        if (!p.enterObject()) return null;
        while (p.nextField()) {
          if (p.fieldIs(CONTENT)) content = p.stringOrNull();
          else if (p.fieldIs(ROLE)) p.skipValue();
          else return null;
        }
      } else {
        p.skipValue();
      }
    }
    return content;
  }
}
