package dev.rebound.gateway.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.routing.Protocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Rewrites the continuation stream so it reads as the rest of the original one: one id, one message_start, block
 * indexes that carry on from what the client already has, one terminal event.
 *
 * <p>The splicer takes what it needs from the transcript when it is created; keep observing the events it returns
 * ({@link #spliceEvents}) into that transcript, so a second cut can be continued with a new splicer. Events pass
 * through untouched (same raw) unless they must change. Error events pass as received: the gateway decides on them.
 */
public final class StreamSplicer {
  private static final JsonFactory FACTORY = StreamTranscript.JSON.getFactory();

  private final Rewriter rewriter;

  private StreamSplicer(Rewriter rewriter) {
    this.rewriter = rewriter;
  }

  public static StreamSplicer of(Protocol protocol, StreamTranscript original) {
    return new StreamSplicer(protocol == Protocol.OPENAI ? new OpenAi(original) : new Anthropic(original));
  }

  /** The bytes to send to the client for one continuation event ("" = drop it). */
  public String splice(SseEvent continuationEvent) {
    List<SseEvent> out = rewriter.rewrite(continuationEvent);
    if (out.isEmpty()) return "";
    if (out.size() == 1) return out.get(0).raw();
    StringBuilder sb = new StringBuilder();
    for (SseEvent e : out) sb.append(e.raw());
    return sb.toString();
  }

  /**
   * The events to send to the client for one continuation event, in order: none (drop), the event itself, a rewritten
   * one, or (Anthropic) a synthesized content_block_stop closing the original's open block followed by the event.
   */
  public List<SseEvent> spliceEvents(SseEvent continuationEvent) {
    return rewriter.rewrite(continuationEvent);
  }

  private interface Rewriter {
    List<SseEvent> rewrite(SseEvent e);
  }

  /** Chat Completions: same id / created / model on every chunk, no second role, no chunks left empty. */
  private static final class OpenAi implements Rewriter {
    private final String id;
    private final long created;
    private final String model;
    private final boolean clientHasRole;
    private final int earlierTokens;

    OpenAi(StreamTranscript original) {
      id = original.responseId();
      created = original.created();
      model = original.model();
      clientHasRole = original.responseId() != null; // the first chunk is the one that carries the role
      earlierTokens = original.outputTokensEstimate();
    }

    @Override
    public List<SseEvent> rewrite(SseEvent e) {
      if (e.data() == null || e.isDone()) return List.of(e); // comments and [DONE] pass as received
      ObjectNode chunk = readObject(e.data());
      if (chunk == null || chunk.has("error")) return List.of(e);
      if (id != null && chunk.has("id")) chunk.put("id", id);
      if (created >= 0 && chunk.has("created")) chunk.put("created", created);
      if (model != null && chunk.has("model")) chunk.put("model", model);

      boolean keep = false;
      JsonNode usage = chunk.get("usage");
      if (usage instanceof ObjectNode) {
        keep = true;
        // report the whole answer's output: what the client already got (estimated) plus the continuation's
        add((ObjectNode) usage, "completion_tokens", earlierTokens);
        add((ObjectNode) usage, "total_tokens", earlierTokens);
      }
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.hasNonNull("finish_reason")) keep = true;
        JsonNode delta = choice.get("delta");
        if (!(delta instanceof ObjectNode)) continue;
        if (clientHasRole) ((ObjectNode) delta).remove("role");
        if (!isEmpty(delta)) keep = true;
      }
      return keep ? List.of(SseEvent.of(null, write(chunk))) : List.of();
    }

    /** A delta with nothing the client can use: no fields, or only null / "" / [] ones (e.g. {"content":""}). */
    private static boolean isEmpty(JsonNode delta) {
      for (Iterator<JsonNode> it = delta.elements(); it.hasNext(); ) {
        JsonNode v = it.next();
        if (!(v.isNull() || (v.isTextual() && v.textValue().isEmpty()) || (v.isArray() && v.size() == 0))) return false;
      }
      return true;
    }
  }

  /**
   * Messages: the continuation's message_start and pings are dropped, its first text block joins the client's open text
   * block, and every other block is shifted to follow the client's blocks.
   */
  private static final class Anthropic implements Rewriter {
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

    Anthropic(StreamTranscript original) {
      earlierTokens = original.outputTokensEstimate();
      open = original.openBlockIndex();
      openIsText = "text".equals(original.openBlockType());
      nextIndex = original.blockCount();
      String suffix = ContinuationRequest.trimmedSuffix(Protocol.ANTHROPIC, original);
      swallow = suffix.isEmpty() ? null : suffix;
    }

    @Override
    public List<SseEvent> rewrite(SseEvent e) {
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
      ObjectNode start = readObject(e.data());
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
      ObjectNode event = readObject(e.data());
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
      ObjectNode event = readObject(e.data());
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
      ObjectNode event = StreamTranscript.JSON.createObjectNode();
      event.put("type", "content_block_delta").put("index", index);
      event.putObject("delta").put("type", "text_delta").put("text", text);
      return SseEvent.of("content_block_delta", write(event));
    }
  }

  private static void add(ObjectNode node, String field, int amount) {
    JsonNode value = node.get(field);
    if (value != null && value.canConvertToLong()) node.put(field, value.asLong() + amount);
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

  private static ObjectNode readObject(String data) {
    JsonNode node = StreamTranscript.readTree(data);
    return node instanceof ObjectNode ? (ObjectNode) node : null;
  }

  private static String write(JsonNode node) {
    try {
      return StreamTranscript.JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e); // a tree we just parsed always serializes
    }
  }
}
