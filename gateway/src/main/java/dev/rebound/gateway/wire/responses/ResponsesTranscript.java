package dev.rebound.gateway.wire.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.stream.JsonCursor;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamSplicer;
import dev.rebound.gateway.stream.StreamTranscript;
import java.util.ArrayList;
import java.util.List;

/**
 * A Responses stream as the client received it: the response id, the last sequence number, the output items done and
 * the one still open (with its text), the text of every message item. The stop and the end are the same event
 * ({@code response.completed} or {@code response.incomplete}), which carries the whole response.
 *
 * <p>Past the first content, delta events are deferred ({@link #defer}): only a cut or a failure asks for the text or
 * the last sequence number, and those getters read them first. An item that opens or closes while deltas wait would
 * reset the open item's text that they add to, so they are not read then either: they are marked as an earlier
 * item's, and add only to the answer's text when read.
 */
final class ResponsesTranscript extends StreamTranscript {
  private final OpenAiResponses format;
  private final List<JsonNode> doneItems = new ArrayList<>();
  /** output_item.done events whose item is not in {@link #doneItems} yet: read when a cut or an error asks for them. */
  private final List<SseEvent> doneItemEvents = new ArrayList<>();
  private long createdAt = -1;
  private int lastSequence = -1;
  private int itemCount;
  private int openIndex = -1;
  private String openId;
  private String openType;
  private int openContentIndex;
  private final StringBuilder openText = new StringBuilder();
  private JsonNode answer;
  /** The terminal event whose response object {@link #answer()} reads, when asked (a response kept by id). */
  private SseEvent answerEvent;
  /** Delta events deferred and not read yet; the first {@link #closedDeltas} of them are an item's closed since. */
  private int deferredDeltas;
  private int closedDeltas;

  ResponsesTranscript(OpenAiResponses format) {
    this.format = format;
  }

  /** The event's name: its {@code event:} line, else the {@code type} inside (some servers send data lines only). */
  static String name(SseEvent e) {
    if (e.event() != null) return e.event();
    if (e.data() == null || e.isDone()) return null;
    JsonNode data = e.json();
    return data == null ? null : data.path("type").textValue();
  }

  @Override
  public void observe(SseEvent e) {
    if (!e.hasData() || e.isDone()) return; // comments, and the [DONE] a few compatible servers add
    String name = e.event();
    if (name == null) {
      observeTree(e); // data lines only: the name is inside
      return;
    }
    // every named event is read in one pass over its bytes for the few fields needed; the objects a cut or a kept
    // response needs whole (a done item, the terminal response) are parsed only when asked for
    boolean isDelta = DELTAS.contains(name);
    if (isDelta && hasContent()) {
      deferredDeltas++;
      defer(e); // counted first: past the bound, defer reads it at once
      return;
    }
    try {
      if (isDelta) delta(name, e.jsonCursor(), false);
      else named(name, e);
    } catch (JsonCursor.Malformed malformed) {
      // a broken upstream event teaches nothing
    }
  }

  @Override
  protected void readDeferred(SseEvent e) {
    boolean closed = closedDeltas > 0; // read in order: the closed ones come first
    if (closed) closedDeltas--;
    deferredDeltas--;
    try {
      delta(e.event(), e.jsonCursor(), closed);
    } catch (JsonCursor.Malformed malformed) {
      // a broken upstream event teaches nothing
    }
  }

  private static final byte[] ITEM = JsonCursor.ascii("item");
  private static final byte[] RESPONSE = JsonCursor.ascii("response");
  private static final byte[] CONTENT_INDEX = JsonCursor.ascii("content_index");
  private static final byte[] ID = JsonCursor.ascii("id");
  private static final byte[] TYPE = JsonCursor.ascii("type");
  private static final byte[] MODEL = JsonCursor.ascii("model");
  private static final byte[] CREATED_AT = JsonCursor.ascii("created_at");
  private static final byte[] USAGE = JsonCursor.ascii("usage");
  private static final byte[] STATUS = JsonCursor.ascii("status");
  private static final byte[] INCOMPLETE_DETAILS = JsonCursor.ascii("incomplete_details");
  private static final byte[] REASON = JsonCursor.ascii("reason");

  /** A named event other than a delta: its fields are read first, and applied only once the whole event read well. */
  private void named(String name, SseEvent e) {
    JsonCursor p = e.jsonCursor();
    if (p == null || !p.enterObject()) return;
    long sequence = Long.MIN_VALUE;
    long outputIndex = Long.MIN_VALUE;
    long contentIndex = Long.MIN_VALUE;
    boolean item = false;
    String itemId = null;
    String itemType = null;
    boolean response = false;
    String id = null;
    String model = null;
    long created = -1;
    JsonNode usage = null;
    String status = null;
    String reason = null;
    while (p.nextField()) {
      if (p.fieldIs(SEQUENCE_NUMBER)) {
        sequence = p.longOr(Long.MIN_VALUE);
      } else if (p.fieldIs(OUTPUT_INDEX)) {
        outputIndex = p.longOr(Long.MIN_VALUE);
      } else if (p.fieldIs(CONTENT_INDEX)) {
        contentIndex = p.longOr(Long.MIN_VALUE);
      } else if (p.fieldIs(ITEM) && p.enterObject()) {
        item = true;
        while (p.nextField()) {
          if (p.fieldIs(ID)) itemId = p.stringOrNull();
          else if (p.fieldIs(TYPE)) itemType = p.stringOrNull();
          else p.skipValue();
        }
      } else if (p.fieldIs(RESPONSE) && p.enterObject()) {
        response = true;
        while (p.nextField()) {
          if (p.fieldIs(ID)) {
            id = p.stringOrNull();
          } else if (p.fieldIs(MODEL)) {
            model = p.stringOrNull();
          } else if (p.fieldIs(CREATED_AT)) {
            created = p.longOr(-1);
          } else if (p.fieldIs(USAGE)) {
            if (p.peek() == '{') usage = p.tree();
            else p.skipValue();
          } else if (p.fieldIs(STATUS)) {
            status = p.stringOrNull();
          } else if (p.fieldIs(INCOMPLETE_DETAILS) && p.enterObject()) {
            while (p.nextField()) {
              if (p.fieldIs(REASON)) reason = p.stringOrNull();
              else p.skipValue();
            }
          } else {
            p.skipValue();
          }
        }
      } else {
        p.skipValue();
      }
    }
    sequenced(asInt(sequence, lastSequence));
    switch (name) {
      case "response.created", "response.in_progress" -> {
        if (responseId() == null) identify(id, model);
        if (createdAt < 0) createdAt = created;
      }
      case "response.output_item.added" -> itemAdded(asInt(outputIndex, itemCount), itemId, itemType);
      case "response.content_part.added" -> openContentIndex = asInt(contentIndex, 0);
      case "response.output_item.done" -> {
        if (item) doneItemEvents.add(e);
        itemDone(asInt(outputIndex, openIndex));
      }
      case "response.completed", "response.incomplete" -> {
        if (response) {
          answerEvent = e;
          answer = null;
        }
        ended(name, usage, reason != null ? reason : status);
      }
      default -> {
        // response.failed and error are failures the gateway reads; other events change nothing it relies on
      }
    }
  }

  /** The highest sequence number seen is the one a continuation goes on from. */
  private void sequenced(int sequence) {
    lastSequence = Math.max(lastSequence, sequence);
  }

  private static int asInt(long value, int otherwise) {
    return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? (int) value : otherwise;
  }

  private void itemAdded(int index, String id, String type) {
    closedDeltas = deferredDeltas; // the open item's text restarts: what waits was another item's
    openIndex = index;
    itemCount = Math.max(itemCount, openIndex + 1);
    openId = id;
    openType = type == null ? "" : type;
    openContentIndex = 0;
    openText.setLength(0);
    if (openType.endsWith("_call")) contentSeen();
  }

  private void itemDone(int index) {
    if (index == openIndex) {
      closedDeltas = deferredDeltas;
      openIndex = -1;
      openId = null;
      openType = null;
      openText.setLength(0);
    }
  }

  /** The terminal event: the usage, the stop (the incomplete reason, else the status, else the event's name), the end. */
  private void ended(String name, JsonNode usage, String stop) {
    reported(format.usage(usage(), usage));
    usageReportSeen();
    stopped(stop != null ? stop : name.substring("response.".length()));
    ended();
  }

  /** An event with data lines only, read as a tree (its name is its {@code type}). */
  private void observeTree(SseEvent e) {
    catchUp(); // a server that mixes the two ways to name events: what waits comes first
    JsonNode d = e.json();
    if (d == null) return;
    String name = d.path("type").asText("");
    JsonNode sequence = d.get("sequence_number");
    if (sequence != null && sequence.canConvertToInt()) sequenced(sequence.asInt());
    if (DELTAS.contains(name)) {
      delta(name, d.path("delta").asText(""), d.path("output_index").asInt(openIndex), false);
      return;
    }
    JsonNode response = d.path("response");
    switch (name) {
      case "response.created", "response.in_progress" -> {
        if (responseId() == null) identify(response.path("id").textValue(), response.path("model").textValue());
        if (createdAt < 0) createdAt = response.path("created_at").asLong(-1);
      }
      case "response.output_item.added" -> itemAdded(d.path("output_index").asInt(itemCount),
          d.path("item").path("id").textValue(), d.path("item").path("type").asText(""));
      case "response.content_part.added" -> openContentIndex = d.path("content_index").asInt(0);
      case "response.output_item.done" -> {
        JsonNode item = d.get("item");
        if (item != null && item.isObject()) {
          doneItems(); // those before it first
          doneItems.add(item);
        }
        itemDone(d.path("output_index").asInt(openIndex));
      }
      case "response.completed", "response.incomplete" -> {
        if (response.isObject()) {
          answer = response;
          answerEvent = null;
        }
        String reason = response.path("incomplete_details").path("reason").textValue();
        ended(name, response.get("usage"), reason != null ? reason : response.path("status").textValue());
      }
      default -> {
        // response.failed and error are failures the gateway reads; other events change nothing it relies on
      }
    }
  }

  private static final java.util.Set<String> DELTAS = java.util.Set.of("response.output_text.delta",
      "response.refusal.delta", "response.reasoning_summary_text.delta", "response.reasoning_text.delta",
      "response.function_call_arguments.delta", "response.custom_tool_call_input.delta");
  private static final byte[] SEQUENCE_NUMBER = JsonCursor.ascii("sequence_number");
  private static final byte[] DELTA = JsonCursor.ascii("delta");
  private static final byte[] OUTPUT_INDEX = JsonCursor.ascii("output_index");

  /**
   * A delta event (one of {@link #DELTAS}) read from its bytes: its sequence number, delta and output index.
   *
   * @param closed whether an item opened or closed after it: it adds only to the answer's text
   */
  private void delta(String name, JsonCursor p, boolean closed) {
    if (p == null || !p.enterObject()) return;
    long sequence = Long.MIN_VALUE;
    String delta = "";
    long index = openIndex;
    while (p.nextField()) {
      if (p.fieldIs(SEQUENCE_NUMBER)) sequence = p.longOr(Long.MIN_VALUE);
      else if (p.fieldIs(DELTA)) delta = java.util.Objects.requireNonNullElse(p.stringOrNull(), "");
      else if (p.fieldIs(OUTPUT_INDEX)) index = p.longOr(openIndex);
      else p.skipValue();
    }
    sequenced(asInt(sequence, lastSequence));
    delta(name, delta, index, closed);
  }

  /**
   * What a delta event adds: text to the answer and the open item (not when {@code closed}: an item has opened or closed
   * since), or only the knowledge that content came.
   */
  private void delta(String name, String delta, long index, boolean closed) {
    switch (name) {
      case "response.output_text.delta", "response.refusal.delta" -> {
        if (delta.isEmpty()) return;
        if (index == openIndex && !closed) openText.append(delta);
        if (name.equals("response.output_text.delta")) appendText(delta);
        else contentSeen();
      }
      case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" -> {
        if (!delta.isEmpty()) {
          if (!closed) openText.append(delta);
          contentSeen();
        }
      }
      default -> contentSeen(); // a tool call's arguments or input
    }
  }

  /** A function or custom tool call whose item is still open: its arguments are half-sent. */
  @Override
  public boolean toolCallInProgress() {
    return openType != null && openType.endsWith("_call") && !complete();
  }

  /** The response object of the terminal event. */
  @Override
  public JsonNode answer() {
    if (answerEvent != null) {
      JsonNode d = answerEvent.json();
      JsonNode response = d == null ? null : d.get("response");
      if (response != null && response.isObject()) answer = response;
      answerEvent = null;
    }
    return answer;
  }

  @Override
  public StreamSplicer splicer() {
    return new ResponsesSplicer(this);
  }

  long createdAt() {
    return createdAt;
  }

  int lastSequence() {
    catchUp();
    return lastSequence;
  }

  /** How many output items the client was told of: the next item's output_index. */
  int itemCount() {
    return itemCount;
  }

  List<JsonNode> doneItems() {
    for (SseEvent e : doneItemEvents) {
      JsonNode d = e.json();
      JsonNode item = d == null ? null : d.get("item");
      if (item != null && item.isObject()) doneItems.add(item);
    }
    doneItemEvents.clear();
    return List.copyOf(doneItems);
  }

  /** The output_index of the item the cut left open; -1 when none. */
  int openIndex() {
    return openIndex;
  }

  String openId() {
    return openId;
  }

  String openType() {
    return openType;
  }

  int openContentIndex() {
    return openContentIndex;
  }

  /** The text the open item has so far (a message's, or a reasoning summary's). */
  String openText() {
    catchUp();
    return openText.toString();
  }
}
