package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Chat Completions stream as the Responses event family, for a Responses client served by a Chat Completions
 * backend: response.created and response.in_progress on the first chunk; reasoning a reasoning item (its summary
 * streamed), content a message item (its output_text streamed), each tool call a function_call item (its arguments
 * streamed) or, for a custom tool, a custom_tool_call item (its input sent once the call is whole, since it travels
 * inside the function's JSON); each item opened and closed with its added/done events, one after the other; then
 * response.completed (or response.incomplete) with every item and the usage. Every event is numbered.
 */
public final class ChatToResponsesStream implements StreamTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();

  private enum Kind { REASONING, MESSAGE, TOOL }

  /** A tool call: its item, the tool it calls, and the arguments so far. */
  private static final class ToolItem {
    final int outputIndex;
    final String itemId;
    final String callId;
    final ResponsesTools.Declared tool;
    final boolean custom;
    final StringBuilder arguments = new StringBuilder();

    ToolItem(int outputIndex, String itemId, String callId, ResponsesTools.Declared tool) {
      this.outputIndex = outputIndex;
      this.itemId = itemId;
      this.callId = callId;
      this.tool = tool;
      this.custom = tool.custom();
    }
  }

  private final JsonNode clientRequest;
  private final ResponsesTools declared;
  private final Clock clock;
  private final Map<Integer, ToolItem> tools = new HashMap<>();
  private final ArrayNode output = NODES.arrayNode();
  private ObjectNode response;
  private int sequence;
  private int nextIndex;
  private Kind openKind;
  private int openIndex = -1;
  private String openId;
  private ToolItem openTool;
  private final StringBuilder openText = new StringBuilder();
  /** The open message's output_text.delta event up to its text, made on its first delta. */
  private String textDeltaHead;
  private String finishReason;
  private JsonNode usage;
  private boolean ended;

  public ChatToResponsesStream(JsonNode clientRequest) {
    this(clientRequest, Clock.systemUTC());
  }

  ChatToResponsesStream(JsonNode clientRequest, Clock clock) {
    this.clientRequest = clientRequest == null ? NODES.objectNode() : clientRequest;
    this.declared = new ResponsesTools(this.clientRequest);
    this.clock = clock;
  }

  @Override
  public List<SseEvent> translate(SseEvent backendEvent) {
    if (backendEvent.isComment()) return List.of(backendEvent);
    if (ended || backendEvent.data() == null) return List.of();
    List<SseEvent> out = new ArrayList<>(3);
    if (backendEvent.isDone()) {
      end(out);
      return out;
    }
    if (openKind == Kind.MESSAGE && finishReason == null && backendEvent.event() == null) {
      // most of a stream: a chunk of text only, read from its bytes and written from the delta's prepared head
      String text = ChatTextChunk.textOf(backendEvent);
      if (text != null) {
        if (!text.isEmpty()) out.add(textDelta(text));
        return out;
      }
    }
    JsonNode chunk = backendEvent.json();
    if ("error".equals(backendEvent.event()) || isError(chunk)) return List.of(error(chunk, backendEvent.data()));
    if (chunk == null || !chunk.isObject()) return List.of();

    JsonNode choice = firstChoice(chunk);
    if (choice != null) {
      if (response == null) start(chunk, out);
      if (finishReason == null) content(choice.path("delta"), out);
      String finish = choice.path("finish_reason").textValue();
      if (finish != null && !finish.isEmpty() && finishReason == null) {
        closeOpen(out);
        finishReason = finish;
      }
    }
    JsonNode reported = chunk.get("usage");
    if (reported != null && reported.isObject()) {
      usage = reported;
      if (finishReason != null && response != null) complete(out);
    }
    return out;
  }

  /** finish_reason came and the usage chunk (or [DONE]) did not: the response completes with the usage there is. */
  @Override
  public List<SseEvent> upstreamEnded() {
    if (ended || finishReason == null) return List.of();
    List<SseEvent> out = new ArrayList<>(1);
    complete(out);
    return out;
  }

  private void start(JsonNode chunk, List<SseEvent> out) {
    String model = chunk == null ? null : chunk.path("model").textValue();
    if (model == null || model.isEmpty()) model = clientRequest.path("model").asText("");
    long created = chunk == null ? -1 : chunk.path("created").asLong(-1);
    response = ResponseObjects.response(ResponseObjects.responseId(chunk == null ? null : chunk.path("id").textValue()),
        created >= 0 ? created : clock.millis() / 1000, model, "in_progress", clientRequest);
    out.add(event("response.created", NODES.objectNode().set("response", response.deepCopy())));
    out.add(event("response.in_progress", NODES.objectNode().set("response", response.deepCopy())));
  }

  /** Reasoning, then text, then tool calls: the order a chunk holding several of them means. */
  private void content(JsonNode delta, List<SseEvent> out) {
    String reasoning = text(delta, "reasoning_content");
    if (reasoning.isEmpty()) reasoning = text(delta, "reasoning");
    if (!reasoning.isEmpty()) {
      open(Kind.REASONING, out);
      openText.append(reasoning);
      out.add(event("response.reasoning_summary_text.delta", itemFields().put("summary_index", 0).put("delta", reasoning)));
    }
    for (String field : new String[] {"content", "refusal"}) {
      String text = text(delta, field);
      if (text.isEmpty()) continue;
      open(Kind.MESSAGE, out);
      out.add(textDelta(text));
    }
    JsonNode calls = delta.path("tool_calls");
    for (int position = 0; position < calls.size(); position++) toolCall(calls.get(position), position, out);
  }

  private void toolCall(JsonNode call, int position, List<SseEvent> out) {
    int index = call.path("index").canConvertToInt() ? call.path("index").asInt() : position;
    String id = call.path("id").textValue();
    if (id != null && id.isEmpty()) id = null;
    ToolItem tool = tools.get(index);
    JsonNode function = call.path("function");
    if (tool == null || (id != null && !id.equals(tool.callId))) {
      closeOpen(out);
      ResponsesTools.Declared called = declared.of(function.path("name").asText(""));
      tool = new ToolItem(nextIndex++, ResponseObjects.id(called.custom() ? "ctc_" : "fc_"),
          id != null ? id : ResponseObjects.id("call_"), called);
      tools.put(index, tool);
      openKind = Kind.TOOL;
      openTool = tool;
      openIndex = tool.outputIndex;
      openId = tool.itemId;
      ObjectNode added = NODES.objectNode().put("output_index", tool.outputIndex);
      added.set("item", ResponseObjects.toolCall(tool.itemId, tool.callId, called, "", "in_progress"));
      out.add(event("response.output_item.added", added));
    }
    JsonNode arguments = function.get("arguments");
    String json = arguments == null || arguments.isNull() ? ""
        : arguments.isTextual() ? arguments.textValue() : arguments.toString();
    if (json.isEmpty()) return;
    tool.arguments.append(json);
    // a custom tool's input is inside the JSON: it is sent whole when the call ends
    if (!tool.custom && tool == openTool) {
      out.add(event("response.function_call_arguments.delta", NODES.objectNode().put("item_id", tool.itemId)
          .put("output_index", tool.outputIndex).put("delta", json)));
    }
  }

  /** Opens a reasoning or message item unless one of that kind is open. */
  private void open(Kind kind, List<SseEvent> out) {
    if (openKind == kind) return;
    closeOpen(out);
    openKind = kind;
    openIndex = nextIndex++;
    openId = ResponseObjects.id(kind == Kind.REASONING ? "rs_" : "msg_");
    textDeltaHead = null;
    openText.setLength(0);
    ObjectNode added = NODES.objectNode().put("output_index", openIndex);
    if (kind == Kind.REASONING) {
      added.set("item", ResponseObjects.reasoning(openId, null));
      out.add(event("response.output_item.added", added));
      ObjectNode part = itemFields().put("summary_index", 0);
      part.putObject("part").put("type", "summary_text").put("text", "");
      out.add(event("response.reasoning_summary_part.added", part));
    } else {
      added.set("item", ResponseObjects.message(openId, "in_progress", null));
      out.add(event("response.output_item.added", added));
      ObjectNode part = itemFields().put("content_index", 0);
      part.set("part", ResponseObjects.textPart(""));
      out.add(event("response.content_part.added", part));
    }
  }

  private void closeOpen(List<SseEvent> out) {
    if (openKind == null) return;
    String text = openText.toString();
    ObjectNode item;
    switch (openKind) {
      case REASONING -> {
        out.add(event("response.reasoning_summary_text.done", itemFields().put("summary_index", 0).put("text", text)));
        ObjectNode part = itemFields().put("summary_index", 0);
        part.putObject("part").put("type", "summary_text").put("text", text);
        out.add(event("response.reasoning_summary_part.done", part));
        item = ResponseObjects.reasoning(openId, text);
      }
      case MESSAGE -> {
        ObjectNode done = itemFields().put("content_index", 0).put("text", text);
        done.putArray("logprobs");
        out.add(event("response.output_text.done", done));
        ObjectNode part = itemFields().put("content_index", 0);
        part.set("part", ResponseObjects.textPart(text));
        out.add(event("response.content_part.done", part));
        item = ResponseObjects.message(openId, "completed", text);
      }
      default -> {
        ToolItem tool = openTool;
        String arguments = tool.arguments.toString();
        if (tool.custom) {
          String input = ResponseObjects.customInput(arguments);
          out.add(event("response.custom_tool_call_input.delta", itemFields().put("delta", input)));
          out.add(event("response.custom_tool_call_input.done", itemFields().put("input", input)));
        } else {
          out.add(event("response.function_call_arguments.done", itemFields().put("name", tool.tool.name())
              .put("arguments", arguments)));
        }
        item = ResponseObjects.toolCall(tool.itemId, tool.callId, tool.tool, arguments, "completed");
      }
    }
    output.add(item);
    ObjectNode done = NODES.objectNode().put("output_index", openIndex);
    done.set("item", item);
    out.add(event("response.output_item.done", done));
    openKind = null;
    openTool = null;
    openIndex = -1;
    openId = null;
    openText.setLength(0);
  }

  /** [DONE]: whatever is open is closed and the response completes, with the usage there is. */
  private void end(List<SseEvent> out) {
    if (response == null) start(null, out);
    closeOpen(out);
    complete(out);
  }

  private void complete(List<SseEvent> out) {
    if (ended) return;
    ended = true;
    String finish = finishReason;
    // some servers say "stop" after tool calls; a Responses client reads the items, so either way is the same
    String name = ResponseObjects.finish(response, finish);
    response.set("output", output);
    response.set("usage", ResponseObjects.usage(usage));
    out.add(event(name, NODES.objectNode().set("response", response)));
  }

  /** The output_text.delta event {@link #event} writes for this text of the open message, made as text. */
  private SseEvent textDelta(String text) {
    openText.append(text);
    if (textDeltaHead == null) {
      String item = itemFields().toString(); // {"item_id":...,"output_index":...}
      textDeltaHead = "{\"type\":\"response.output_text.delta\"," + item.substring(1, item.length() - 1)
          + ",\"content_index\":0,\"delta\":\"";
    }
    StringBuilder json = new StringBuilder(textDeltaHead.length() + text.length() + 48).append(textDeltaHead);
    QUOTE.quoteAsString(text, json);
    json.append("\",\"logprobs\":[],\"sequence_number\":").append(sequence++).append('}');
    return SseEvent.of("response.output_text.delta", json.toString());
  }

  /** item_id and output_index of the open item. */
  private ObjectNode itemFields() {
    return NODES.objectNode().put("item_id", openId).put("output_index", openIndex);
  }

  private SseEvent event(String type, ObjectNode fields) {
    ObjectNode e = NODES.objectNode().put("type", type);
    e.setAll(fields);
    e.put("sequence_number", sequence++);
    return SseEvent.of(type, e.toString());
  }

  /** The error event of the Responses stream, with the backend's code (or type) and its message word for word. */
  private SseEvent error(JsonNode chunk, String data) {
    JsonNode error = chunk == null ? null : chunk.get("error");
    JsonNode holder = error != null && error.isObject() ? error : chunk;
    String message = error != null && error.isTextual() ? error.textValue()
        : holder != null && holder.path("message").isTextual() ? holder.path("message").textValue() : data;
    String code = holder == null ? null : holder.path("code").asText(null);
    if (code == null || code.isEmpty()) code = holder == null ? "server_error" : holder.path("type").asText("server_error");
    ObjectNode e = NODES.objectNode().put("type", "error").put("code", code).put("message", message);
    e.set("param", holder == null || !holder.has("param") ? NODES.nullNode() : holder.get("param"));
    if (holder != null && holder.path("metadata").isObject()) e.set("metadata", holder.get("metadata"));
    e.put("sequence_number", sequence++);
    return SseEvent.of("error", e.toString());
  }

  private static JsonNode firstChoice(JsonNode chunk) {
    for (JsonNode choice : chunk.path("choices")) if (choice.path("index").asInt(0) == 0) return choice;
    return null;
  }

  private static boolean isError(JsonNode chunk) {
    if (chunk == null || !chunk.isObject()) return false;
    JsonNode error = chunk.get("error");
    return (error != null && !error.isNull()) || "error".equals(chunk.path("object").textValue());
  }

  private static String text(JsonNode node, String field) {
    String value = node.path(field).textValue();
    return value == null ? "" : value;
  }
}
