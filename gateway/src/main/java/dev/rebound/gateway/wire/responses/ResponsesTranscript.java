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
 */
final class ResponsesTranscript extends StreamTranscript {
  private final OpenAiResponses format;
  private final List<JsonNode> doneItems = new ArrayList<>();
  private long createdAt = -1;
  private int lastSequence = -1;
  private int itemCount;
  private int openIndex = -1;
  private String openId;
  private String openType;
  private int openContentIndex;
  private final StringBuilder openText = new StringBuilder();
  private JsonNode answer;

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
    if (e.event() != null && DELTAS.contains(e.event())) {
      // the events that come by the hundred are read in one pass over their bytes, for three fields
      try {
        delta(e.event(), e.jsonCursor());
      } catch (JsonCursor.Malformed malformed) {
        // a broken upstream event teaches nothing
      }
      return;
    }
    JsonNode d = e.json();
    if (d == null) return;
    String name = e.event() != null ? e.event() : d.path("type").asText("");
    JsonNode sequence = d.get("sequence_number");
    if (sequence != null && sequence.canConvertToInt()) lastSequence = Math.max(lastSequence, sequence.asInt());
    if (DELTAS.contains(name)) {
      delta(name, d.path("delta").asText(""), d.path("output_index").asInt(openIndex));
      return;
    }
    switch (name) {
      case "response.created", "response.in_progress" -> {
        JsonNode response = d.path("response");
        if (responseId() == null) identify(response.path("id").textValue(), response.path("model").textValue());
        if (createdAt < 0) createdAt = response.path("created_at").asLong(-1);
      }
      case "response.output_item.added" -> {
        JsonNode item = d.path("item");
        openIndex = d.path("output_index").asInt(itemCount);
        itemCount = Math.max(itemCount, openIndex + 1);
        openId = item.path("id").textValue();
        openType = item.path("type").asText("");
        openContentIndex = 0;
        openText.setLength(0);
        if (openType.endsWith("_call")) contentSeen();
      }
      case "response.content_part.added" -> openContentIndex = d.path("content_index").asInt(0);
      case "response.output_item.done" -> {
        JsonNode item = d.get("item");
        if (item != null && item.isObject()) doneItems.add(item);
        if (d.path("output_index").asInt(openIndex) == openIndex) {
          openIndex = -1;
          openId = null;
          openType = null;
          openText.setLength(0);
        }
      }
      case "response.completed", "response.incomplete" -> {
        JsonNode response = d.path("response");
        if (response.isObject()) answer = response;
        reported(format.usage(usage(), response.get("usage")));
        usageReportSeen();
        String reason = response.path("incomplete_details").path("reason").textValue();
        stopped(reason != null ? reason : response.path("status").asText(name.substring("response.".length())));
        ended();
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

  /** A delta event (one of {@link #DELTAS}) read from its bytes: its sequence number, delta and output index. */
  private void delta(String name, JsonCursor p) {
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
    if (sequence >= Integer.MIN_VALUE && sequence <= Integer.MAX_VALUE) lastSequence = Math.max(lastSequence, (int) sequence);
    delta(name, delta, index);
  }

  /** What a delta event adds: text to the answer and the open item, or only the knowledge that content came. */
  private void delta(String name, String delta, long index) {
    switch (name) {
      case "response.output_text.delta", "response.refusal.delta" -> {
        if (delta.isEmpty()) return;
        if (index == openIndex) openText.append(delta);
        if (name.equals("response.output_text.delta")) appendText(delta);
        else contentSeen();
      }
      case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" -> {
        if (!delta.isEmpty()) {
          openText.append(delta);
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
    return lastSequence;
  }

  /** How many output items the client was told of: the next item's output_index. */
  int itemCount() {
    return itemCount;
  }

  List<JsonNode> doneItems() {
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
    return openText.toString();
  }
}
