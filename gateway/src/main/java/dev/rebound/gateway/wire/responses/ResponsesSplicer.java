package dev.rebound.gateway.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Responses: one response id, one created/in_progress, sequence numbers that go on from the client's last. The
 * continuation's first message item joins the message the cut left open (its id, output_index and content_index are
 * the client's, its done events carry the whole text); every other item is shifted to follow the client's items, and
 * the terminal event's response lists every item the client received, with the output tokens of both attempts.
 */
final class ResponsesSplicer extends StreamSplicer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String id;
  private final String model;
  private final long createdAt;
  private final int earlierTokens;
  private final ArrayNode output = NODES.arrayNode();
  /** Continuation output_index -> the client's. */
  private final Map<Integer, Integer> indexes = new HashMap<>();
  private int sequence;
  private int nextIndex;
  private boolean sawItem;
  // the client's item the cut left open, until joined or closed
  private int open;
  private final String openId;
  private final String openType;
  private final int openContentIndex;
  private final String openText;
  /** The continuation's output_index and item id of the message joined to the open one; -1 / null when none. */
  private int joined = -1;
  private String joinedId;

  ResponsesSplicer(ResponsesTranscript original) {
    id = original.responseId();
    model = original.model();
    createdAt = original.createdAt();
    earlierTokens = original.outputTokensEstimate();
    sequence = original.lastSequence();
    nextIndex = original.itemCount();
    original.doneItems().forEach(output::add);
    open = original.openIndex();
    openId = original.openId();
    openType = original.openType();
    openContentIndex = original.openContentIndex();
    openText = original.openText();
  }

  @Override
  public List<SseEvent> spliceEvents(SseEvent e) {
    if (e.data() == null || e.isDone()) return List.of(e);
    ObjectNode d = readObject(e);
    if (d == null) return List.of(e);
    String name = e.event() != null ? e.event() : d.path("type").asText("");
    switch (name) {
      case "response.created", "response.in_progress", "response.queued" -> {
        return List.of();
      }
      case "response.output_item.added" -> {
        return itemAdded(e, d);
      }
      case "response.content_part.added" -> {
        if (isJoined(d)) return List.of(); // the client's part is open already
        return List.of(numbered(e, mapped(d)));
      }
      case "response.output_text.done" -> {
        if (isJoined(d)) d.put("text", openText + d.path("text").asText(""));
        return List.of(numbered(e, mapped(d)));
      }
      case "response.content_part.done" -> {
        if (isJoined(d) && d.get("part") instanceof ObjectNode part) part.put("text", openText + part.path("text").asText(""));
        return List.of(numbered(e, mapped(d)));
      }
      case "response.output_item.done" -> {
        boolean joinedItem = isJoined(d);
        mapped(d);
        if (d.get("item") instanceof ObjectNode item) {
          if (joinedItem) {
            item.put("id", openId);
            JsonNode part = item.path("content").path(openContentIndex);
            if (part instanceof ObjectNode p) p.put("text", openText + p.path("text").asText(""));
          }
          output.add(item);
        }
        return List.of(numbered(e, d));
      }
      case "response.completed", "response.incomplete", "response.failed" -> {
        List<SseEvent> out = new ArrayList<>(4);
        closeOpen(out);
        if (d.get("response") instanceof ObjectNode response) {
          if (id != null) response.put("id", id);
          if (createdAt >= 0) response.put("created_at", createdAt);
          if (model != null && response.has("model")) response.put("model", model);
          if (!name.equals("response.failed")) response.set("output", output);
          if (response.get("usage") instanceof ObjectNode usage) {
            add(usage, "output_tokens", earlierTokens);
            add(usage, "total_tokens", earlierTokens);
          }
        }
        out.add(numbered(e, d));
        return out;
      }
      default -> {
        return List.of(numbered(e, mapped(d))); // deltas of every kind, errors, event types added later
      }
    }
  }

  private List<SseEvent> itemAdded(SseEvent e, ObjectNode d) {
    int index = d.path("output_index").asInt();
    JsonNode item = d.path("item");
    boolean first = !sawItem;
    sawItem = true;
    if (first && open >= 0 && "message".equals(openType) && "message".equals(item.path("type").textValue())) {
      // the client's open message goes on: no second item, the continuation's text is appended to it
      joined = index;
      joinedId = item.path("id").textValue();
      indexes.put(index, open);
      open = -1;
      return List.of();
    }
    List<SseEvent> out = new ArrayList<>(4);
    closeOpen(out);
    indexes.put(index, nextIndex++);
    out.add(numbered(e, mapped(d)));
    return out;
  }

  /** Whether the event belongs to the continuation's message joined to the client's open one. */
  private boolean isJoined(JsonNode d) {
    return joined >= 0 && d.path("output_index").asInt(-1) == joined;
  }

  /** The event with the client's output_index, and the client's item id and content_index for the joined message. */
  private ObjectNode mapped(ObjectNode d) {
    boolean joinedItem = isJoined(d);
    JsonNode index = d.get("output_index");
    if (index != null && index.canConvertToInt()) {
      Integer to = indexes.get(index.asInt());
      if (to != null) d.put("output_index", to);
    }
    if (joinedItem) {
      if (d.has("item_id") && openId != null) d.put("item_id", openId);
      if (d.has("content_index")) d.put("content_index", openContentIndex);
    } else if (joinedId != null && joinedId.equals(d.path("item_id").textValue()) && openId != null) {
      d.put("item_id", openId);
    }
    return d;
  }

  /** The continuation ends or starts another kind of item: the client's open item is closed first, with its text. */
  private void closeOpen(List<SseEvent> out) {
    if (open < 0) return;
    int index = open;
    open = -1;
    ObjectNode item = NODES.objectNode().put("id", openId).put("type", openType);
    if ("message".equals(openType)) {
      ObjectNode part = NODES.objectNode().put("type", "output_text").put("text", openText);
      part.putArray("annotations");
      out.add(numbered("response.output_text.done", NODES.objectNode().put("type", "response.output_text.done")
          .put("item_id", openId).put("output_index", index).put("content_index", openContentIndex).put("text", openText)));
      ObjectNode partDone = NODES.objectNode().put("type", "response.content_part.done").put("item_id", openId)
          .put("output_index", index).put("content_index", openContentIndex);
      partDone.set("part", part.deepCopy());
      out.add(numbered("response.content_part.done", partDone));
      item.put("status", "completed").put("role", "assistant");
      item.putArray("content").add(part);
    } else if ("reasoning".equals(openType)) {
      item.putArray("summary").addObject().put("type", "summary_text").put("text", openText);
    }
    ObjectNode done = NODES.objectNode().put("type", "response.output_item.done").put("output_index", index);
    done.set("item", item);
    output.add(item);
    out.add(numbered("response.output_item.done", done));
  }

  private SseEvent numbered(SseEvent e, ObjectNode d) {
    d.put("sequence_number", ++sequence);
    return SseEvent.of(e.event(), write(d));
  }

  private SseEvent numbered(String name, ObjectNode d) {
    d.put("sequence_number", ++sequence);
    return SseEvent.of(name, write(d));
  }
}
