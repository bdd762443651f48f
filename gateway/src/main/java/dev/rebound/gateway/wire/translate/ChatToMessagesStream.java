package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.SseEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * An OpenAI Chat Completions stream as Anthropic Messages events, for an Anthropic client (Claude Code, the anthropic
 * SDKs) served by an OpenAI-compatible backend (vLLM, Ollama, llama.cpp, OpenAI). Choice 0 becomes the message:
 * reasoning a thinking block, content a text block, each tool call a tool_use block, in the order they arrive.
 *
 * <p>Anthropic blocks are strictly sequential, so a new kind of content closes the open block. The stop reason comes
 * with finish_reason but the usage usually one chunk later, so message_delta waits for the usage (or for [DONE]).
 */
public final class ChatToMessagesStream implements StreamTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final SseEvent PING = SseEvent.of("ping", "{\"type\":\"ping\"}");
  private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();
  private static final SseEvent MESSAGE_STOP = SseEvent.of("message_stop", "{\"type\":\"message_stop\"}");
  /** Delta fields whose text the client reads as the answer (a refusal is said in words too). */
  private static final String[] TEXT_FIELDS = {"content", "refusal"};

  private enum Kind { THINKING, TEXT, TOOL_USE }

  /** A tool_use block: its Anthropic index, and the call id that opened it (a new id on the same index is a new call). */
  private record ToolBlock(int index, String id) {}

  private final String requestedModel;
  /** OpenAI tool_call index -> the block its arguments go to. */
  private final Map<Integer, ToolBlock> toolBlocks = new HashMap<>();
  private boolean started;
  private boolean ended;
  private int nextIndex;
  private Kind openKind;
  private int openIndex = -1;
  /** The open text block's delta event up to its text: a text chunk is written from it. */
  private String textDeltaHead;
  private String messageId;
  /** Anthropic's stop_reason, once finish_reason came; null before. */
  private String stopReason;
  /** The latest OpenAI usage object, null while none came. */
  private JsonNode usage;
  /** The usage the last message_delta reported; null while none was sent. */
  private ObjectNode reported;

  public ChatToMessagesStream(JsonNode clientRequest) {
    this.requestedModel = clientRequest == null ? null : clientRequest.path("model").textValue();
  }

  @Override
  public List<SseEvent> translate(SseEvent backendEvent) {
    if (backendEvent.isComment()) return List.of(backendEvent);
    if (ended || backendEvent.data() == null) return List.of();
    if (backendEvent.isDone()) return done();
    if (openKind == Kind.TEXT && stopReason == null && backendEvent.event() == null) {
      List<SseEvent> out = textChunk(backendEvent);
      if (out != null) return out;
    }
    JsonNode chunk = backendEvent.json();
    if ("error".equals(backendEvent.event()) || isError(chunk)) return List.of(error(chunk, backendEvent.data()));
    if (chunk == null || !chunk.isObject()) return List.of(); // a broken chunk carries nothing to translate

    List<SseEvent> out = new ArrayList<>(3);
    JsonNode choice = firstChoice(chunk);
    if (choice != null) {
      if (!started) start(chunk, out);
      if (stopReason == null) content(choice.path("delta"), out);
      String finish = choice.path("finish_reason").textValue();
      if (finish != null && !finish.isEmpty() && stopReason == null) {
        closeOpen(out);
        stopReason = StopReasons.toAnthropic(finish);
        // some servers (older Ollama) say "stop" after tool calls; the client runs tools on tool_use
        if ("end_turn".equals(stopReason) && !toolBlocks.isEmpty()) stopReason = "tool_use";
      }
    }
    JsonNode reportedUsage = chunk.get("usage");
    if (reportedUsage != null && reportedUsage.isObject()) {
      usage = reportedUsage;
      if (stopReason != null && started) reportUsage(out);
    }
    return out;
  }

  /** finish_reason came and the usage chunk (or [DONE]) did not: the message ends with the usage there is. */
  @Override
  public List<SseEvent> upstreamEnded() {
    return ended || stopReason == null ? List.of() : done();
  }

  private void start(JsonNode chunk, List<SseEvent> out) {
    started = true;
    String id = chunk == null ? null : chunk.path("id").textValue();
    if (id != null && id.startsWith("chatcmpl-")) id = id.substring("chatcmpl-".length());
    messageId = "msg_" + (id == null || id.isEmpty() ? UUID.randomUUID().toString().replace("-", "") : id);
    String model = chunk == null ? null : chunk.path("model").textValue();
    if (model == null || model.isEmpty()) model = requestedModel;

    ObjectNode event = NODES.objectNode().put("type", "message_start");
    ObjectNode message = event.putObject("message");
    message.put("id", messageId).put("type", "message").put("role", "assistant").put("model", model);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    // OpenAI reports the prompt's tokens only at the end: message_delta carries them
    message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
    out.add(SseEvent.of("message_start", event.toString()));
    out.add(PING);
  }

  /** A chunk of text only, while a text block is open, read from its bytes; null for the tree reading to translate. */
  private List<SseEvent> textChunk(SseEvent event) {
    String text = ChatTextChunk.textOf(event);
    if (text == null) return null;
    if (text.isEmpty()) return List.of();
    StringBuilder json = new StringBuilder(textDeltaHead.length() + text.length() + 4).append(textDeltaHead);
    QUOTE.quoteAsString(text, json);
    return List.of(SseEvent.of("content_block_delta", json.append("\"}}").toString()));
  }

  /** Reasoning, then text, then tool calls: the order a chunk holding several of them means. */
  private void content(JsonNode delta, List<SseEvent> out) {
    String reasoning = text(delta, "reasoning_content");
    // vLLM renamed reasoning_content to reasoning; a server sending both sends the same text twice
    if (reasoning.isEmpty()) reasoning = text(delta, "reasoning");
    if (!reasoning.isEmpty()) {
      open(Kind.THINKING, out);
      ObjectNode d = NODES.objectNode().put("type", "thinking_delta").put("thinking", reasoning);
      out.add(blockDelta(openIndex, d));
    }
    for (String field : TEXT_FIELDS) {
      String text = text(delta, field);
      if (text.isEmpty()) continue;
      open(Kind.TEXT, out);
      out.add(blockDelta(openIndex, NODES.objectNode().put("type", "text_delta").put("text", text)));
    }
    JsonNode calls = delta.path("tool_calls");
    for (int position = 0; position < calls.size(); position++) {
      toolCall(calls.get(position), position, out);
    }
  }

  private void toolCall(JsonNode call, int position, List<SseEvent> out) {
    // servers that leave out the index (Gemini) send each call whole, one per array position
    int index = call.path("index").canConvertToInt() ? call.path("index").asInt() : position;
    String id = call.path("id").textValue();
    if (id != null && id.isEmpty()) id = null;
    ToolBlock block = toolBlocks.get(index);
    JsonNode function = call.path("function");
    // a known index with another id is another call (servers that number every call 0); the same id repeated is not
    if (block == null || (id != null && !id.equals(block.id()))) {
      closeOpen(out);
      String callId = id != null ? id : "toolu_" + messageId.substring("msg_".length()) + "_" + index;
      block = new ToolBlock(nextIndex++, callId);
      toolBlocks.put(index, block);
      openKind = Kind.TOOL_USE;
      openIndex = block.index();
      ObjectNode start = NODES.objectNode().put("type", "content_block_start").put("index", block.index());
      ObjectNode tool = start.putObject("content_block").put("type", "tool_use").put("id", callId)
          .put("name", function.path("name").asText(""));
      tool.putObject("input");
      out.add(SseEvent.of("content_block_start", start.toString()));
    }
    JsonNode arguments = function.get("arguments");
    String json = arguments == null || arguments.isNull() ? ""
        : arguments.isTextual() ? arguments.textValue() : arguments.toString(); // some servers send an object
    if (json.isEmpty()) return;
    // arguments of a call whose block a later call already closed still go to their own block (by its index)
    out.add(blockDelta(block.index(), NODES.objectNode().put("type", "input_json_delta").put("partial_json", json)));
  }

  /** Opens a thinking or text block unless one of that kind is open. */
  private void open(Kind kind, List<SseEvent> out) {
    if (openKind == kind) return;
    closeOpen(out);
    openKind = kind;
    openIndex = nextIndex++;
    textDeltaHead = kind != Kind.TEXT ? null
        : "{\"type\":\"content_block_delta\",\"index\":" + openIndex + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"";
    ObjectNode start = NODES.objectNode().put("type", "content_block_start").put("index", openIndex);
    ObjectNode block = start.putObject("content_block");
    if (kind == Kind.THINKING) {
      block.put("type", "thinking").put("thinking", "").put("signature", "");
    } else {
      block.put("type", "text").put("text", "");
    }
    out.add(SseEvent.of("content_block_start", start.toString()));
  }

  private void closeOpen(List<SseEvent> out) {
    if (openKind == null) return;
    out.add(SseEvent.of("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + openIndex + "}"));
    openKind = null;
    openIndex = -1;
  }

  /** A message_delta with the stop reason and the usage, unless one with this usage went out already. */
  private void reportUsage(List<SseEvent> out) {
    ObjectNode counts = usage == null ? NODES.objectNode().put("output_tokens", 0) : UsageReports.toAnthropic(usage);
    if (counts.equals(reported)) return;
    reported = counts;
    ObjectNode event = NODES.objectNode().put("type", "message_delta");
    event.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
    event.set("usage", counts);
    out.add(SseEvent.of("message_delta", event.toString()));
  }

  private List<SseEvent> done() {
    ended = true;
    List<SseEvent> out = new ArrayList<>(4);
    if (!started) start(null, out);
    closeOpen(out);
    if (stopReason == null) stopReason = toolBlocks.isEmpty() ? "end_turn" : "tool_use";
    if (reported == null) reportUsage(out);
    out.add(MESSAGE_STOP);
    return out;
  }

  /** The choice with index 0 (n > 1 has no place in one message); null when the chunk has none (a usage chunk). */
  private static JsonNode firstChoice(JsonNode chunk) {
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) == 0) return choice;
    }
    return null;
  }

  /** {"error": ...} (OpenAI, OpenRouter, Ollama) or vLLM's older top-level {"object": "error", ...}. */
  private static boolean isError(JsonNode chunk) {
    if (chunk == null || !chunk.isObject()) return false;
    JsonNode error = chunk.get("error");
    return (error != null && !error.isNull()) || "error".equals(chunk.path("object").textValue());
  }

  /** The error in Anthropic's words: its type by what the backend said, its message word for word. */
  private static SseEvent error(JsonNode chunk, String data) {
    JsonNode error = chunk == null ? null : chunk.get("error");
    JsonNode holder = error != null && error.isObject() ? error : chunk;
    String message;
    if (error != null && error.isTextual()) {
      message = error.textValue();
    } else if (holder != null && holder.path("message").isTextual()) {
      message = holder.path("message").textValue();
    } else {
      message = data; // no message field: the whole event is the best words there are
    }
    String type = holder == null ? "" : holder.path("type").asText("");
    String code = holder == null ? "" : holder.path("code").asText("");
    ObjectNode event = NODES.objectNode().put("type", "error");
    ObjectNode body = event.putObject("error").put("type", anthropicErrorType(type, code)).put("message", message);
    // OpenRouter puts the provider's own error in metadata.raw; the gateway's classifier reads it there
    if (holder != null && holder.path("metadata").isObject()) body.set("metadata", holder.get("metadata"));
    return SseEvent.of("error", event.toString());
  }

  /**
   * Anthropic's error type for an OpenAI-style type and code (vLLM names exception classes, OpenRouter puts the HTTP
   * status in code). Quota and timeouts keep types Anthropic has for them, so the gateway classifies them as before.
   */
  static String anthropicErrorType(String type, String code) {
    String said = (type + " " + code).toLowerCase(Locale.ROOT);
    int status = code.matches("\\d{3}") ? Integer.parseInt(code) : -1;
    if (said.contains("insufficient_quota") || said.contains("billing") || status == 402) return "billing_error";
    if (said.contains("rate_limit") || said.contains("ratelimit") || said.contains("too_many_requests")
        || type.equals("requests") || type.equals("tokens") || status == 429) {
      return "rate_limit_error";
    }
    if (said.contains("overload") || status == 503 || status == 529) return "overloaded_error";
    if (said.contains("timeout") || status == 408 || status == 504) return "timeout_error";
    if (said.contains("authentication") || said.contains("invalid_api_key") || said.contains("unauthorized")
        || status == 401) {
      return "authentication_error";
    }
    if (said.contains("permission") || said.contains("forbidden") || status == 403) return "permission_error";
    if (said.contains("not_found") || said.contains("notfound") || status == 404) return "not_found_error";
    if (said.contains("invalid_request") || said.contains("badrequest") || said.contains("context_length")
        || said.contains("validation") || status == 400 || status == 413 || status == 422) {
      return "invalid_request_error";
    }
    return "api_error";
  }

  private static SseEvent blockDelta(int index, ObjectNode delta) {
    ObjectNode event = NODES.objectNode().put("type", "content_block_delta").put("index", index);
    event.set("delta", delta);
    return SseEvent.of("content_block_delta", event.toString());
  }

  private static String text(JsonNode node, String field) {
    String value = node.path(field).textValue();
    return value == null ? "" : value;
  }
}
