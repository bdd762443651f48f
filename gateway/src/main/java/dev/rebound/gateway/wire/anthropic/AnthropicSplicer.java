package dev.rebound.gateway.wire.anthropic;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Messages: the continuation's message_start and pings are dropped, its first text block joins the client's open text
 * block, and every other block is shifted to follow the client's blocks.
 */
final class AnthropicSplicer extends StreamSplicer {
  private static final JsonFactory FACTORY = new JsonFactory();

  private final Map<Integer, Integer> indexes = new HashMap<>(); // continuation block index -> client index
  private final int earlierTokens;
  private final boolean openIsText;
  /** The client's block left open by the cut; -1 once joined or closed. */
  private int open;
  private int nextIndex;
  private boolean sawBlock;
  /**
   * Whitespace the client has but the prefill had not. When the continuation's text starts by repeating it, that
   * repeat is dropped; when it starts with anything else nothing is added back (the model decides the spacing).
   */
  private String swallow;

  AnthropicSplicer(AnthropicTranscript original) {
    earlierTokens = original.outputTokensEstimate();
    open = original.openBlockIndex();
    openIsText = "text".equals(original.openBlockType());
    nextIndex = original.blockCount();
    String suffix = AnthropicContinuation.trimmedSuffix(original);
    swallow = suffix.isEmpty() ? null : suffix;
  }

  @Override
  public List<SseEvent> spliceEvents(SseEvent e) {
    String name = e.event();
    if (name == null) return List.of(e); // comments
    switch (name) {
      case "message_start":
      case "ping":
        return List.of();
      case "content_block_start":
        return blockStart(e);
      case "content_block_delta":
        return swallow != null ? swallowingDelta(e) : withIndexMapped(e);
      case "content_block_stop":
        return withIndexMapped(e);
      case "message_delta":
        return afterClosingOpen(messageDelta(e));
      case "message_stop":
        return afterClosingOpen(e);
      default:
        return List.of(e); // error and event types added later
    }
  }

  private List<SseEvent> blockStart(SseEvent e) {
    ObjectNode start = readObject(e);
    if (start == null) return List.of(e);
    int index = start.path("index").asInt();
    JsonNode block = start.path("content_block");
    boolean text = "text".equals(block.path("type").textValue());
    boolean first = !sawBlock;
    sawBlock = true;
    if (!text) swallow = null;

    if (first && text && open >= 0 && openIsText) {
      // the client's open text block goes on: no second start, and any text the start carries becomes a delta
      indexes.put(index, open);
      int joined = open;
      open = -1;
      String initial = swallowed(block.path("text").asText(""));
      return initial.isEmpty() ? List.of() : List.of(textDelta(joined, initial));
    }
    List<SseEvent> out = new ArrayList<>(2);
    closeOpen(out);
    int mapped = nextIndex++;
    indexes.put(index, mapped);
    start.put("index", mapped);
    if (text && swallow != null && block instanceof ObjectNode) {
      ((ObjectNode) block).put("text", swallowed(block.path("text").asText("")));
    }
    out.add(SseEvent.of(e.event(), write(start)));
    return out;
  }

  /** The hot path: only the top-level index changes, so it is replaced in the text without building a tree. */
  private List<SseEvent> withIndexMapped(SseEvent e) {
    String data = e.data();
    int[] found = topLevelInt(data, "index");
    if (found == null) return List.of(e);
    Integer mapped = indexes.get(found[0]);
    if (mapped == null || mapped == found[0]) return List.of(e);
    return List.of(SseEvent.of(e.event(), data.substring(0, found[1]) + mapped + data.substring(found[2])));
  }

  /** Only until the continuation's first text: drops the whitespace the client already has. */
  private List<SseEvent> swallowingDelta(SseEvent e) {
    ObjectNode event = readObject(e);
    JsonNode delta = event == null ? null : event.get("delta");
    if (!(delta instanceof ObjectNode) || !"text_delta".equals(delta.path("type").textValue())) {
      swallow = null;
      return withIndexMapped(e);
    }
    String text = swallowed(delta.path("text").asText(""));
    if (text.isEmpty()) return List.of(); // all of it was whitespace the client already has
    ((ObjectNode) delta).put("text", text);
    Integer mapped = indexes.get(event.path("index").asInt());
    if (mapped != null) event.put("index", mapped);
    return List.of(SseEvent.of(e.event(), write(event)));
  }

  private SseEvent messageDelta(SseEvent e) {
    ObjectNode event = readObject(e);
    JsonNode usage = event == null ? null : event.get("usage");
    if (!(usage instanceof ObjectNode) || !usage.has("output_tokens")) return e;
    add((ObjectNode) usage, "output_tokens", earlierTokens);
    return SseEvent.of(e.event(), write(event));
  }

  /** The continuation ends without joining the client's open block (or starts with another kind): close it first. */
  private List<SseEvent> afterClosingOpen(SseEvent e) {
    if (open < 0) return List.of(e);
    List<SseEvent> out = new ArrayList<>(2);
    closeOpen(out);
    out.add(e);
    return out;
  }

  private void closeOpen(List<SseEvent> out) {
    if (open < 0) return;
    out.add(SseEvent.of("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + open + "}"));
    open = -1;
  }

  private String swallowed(String text) {
    if (swallow == null) return text;
    int n = 0;
    while (n < text.length() && n < swallow.length() && text.charAt(n) == swallow.charAt(n)) n++;
    // all of text matched and some whitespace is left: the next text may repeat the rest
    swallow = n == text.length() && n < swallow.length() ? swallow.substring(n) : null;
    return text.substring(n);
  }

  private static SseEvent textDelta(int index, String text) {
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    event.put("type", "content_block_delta").put("index", index);
    event.putObject("delta").put("type", "text_delta").put("text", text);
    return SseEvent.of("content_block_delta", write(event));
  }

  /**
   * The value and char span [start, end) of a top-level integer field, found with the streaming parser (it knows
   * strings and nesting, so text that merely looks like the field is never hit); null when absent or not an int.
   */
  static int[] topLevelInt(String json, String field) {
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals(field)) {
          if (value != JsonToken.VALUE_NUMBER_INT) return null;
          int start = (int) p.currentTokenLocation().getCharOffset();
          return new int[] {p.getIntValue(), start, start + p.getTextLength()};
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}
