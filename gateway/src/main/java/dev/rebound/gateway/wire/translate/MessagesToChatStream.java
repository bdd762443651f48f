package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.stream.JsonCursor;
import dev.rebound.gateway.stream.SseEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An Anthropic Messages stream as OpenAI Chat Completions chunks, for an OpenAI client served by Anthropic. Text
 * becomes content, thinking becomes reasoning_content (the vLLM/DeepSeek convention), each tool_use block a tool call
 * numbered from 0; block starts and stops, pings and signatures have no chunk of their own.
 */
public final class MessagesToChatStream implements StreamTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final SseEvent DONE = SseEvent.of(null, "[DONE]");
  private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();
  private static final byte[] DELTA = JsonCursor.ascii("delta");
  private static final byte[] TYPE = JsonCursor.ascii("type");
  private static final byte[] TEXT = JsonCursor.ascii("text");
  private static final byte[] THINKING = JsonCursor.ascii("thinking");
  private static final String[] USAGE_FIELDS =
      {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"};

  private final boolean includeUsage;
  private final String requestedModel;
  private final Clock clock;
  /** Anthropic block index -> the tool call index the client knows it by. */
  private final Map<Integer, Integer> toolCalls = new HashMap<>();
  /** The Anthropic usage so far: message_start's, with message_delta's counts over it. */
  private final ObjectNode usage = NODES.objectNode();
  private String id;
  private long created;
  private String model;
  /** Every chunk's text up to its delta's first field, once the stream is open: a text delta is written from it. */
  private String chunkHead;
  private boolean finished;
  private boolean ended;

  public MessagesToChatStream(JsonNode clientRequest) {
    this(clientRequest, Clock.systemUTC());
  }

  /** @param clock gives {@code created}, the time of message_start */
  MessagesToChatStream(JsonNode clientRequest, Clock clock) {
    this.includeUsage = clientRequest != null
        && clientRequest.path("stream_options").path("include_usage").asBoolean(false);
    this.requestedModel = clientRequest == null ? null : clientRequest.path("model").textValue();
    this.clock = clock;
  }

  @Override
  public List<SseEvent> translate(SseEvent backendEvent) {
    if (backendEvent.isComment()) return List.of(backendEvent);
    if (ended || !backendEvent.hasData()) return List.of();
    // most of a stream: text and thinking deltas, pings and block stops, read from their bytes without a tree
    String named = backendEvent.event();
    if ("ping".equals(named) || "content_block_stop".equals(named)) return List.of();
    if ("content_block_delta".equals(named)) {
      List<SseEvent> out = textDelta(backendEvent);
      if (out != null) return out;
    }
    JsonNode data = backendEvent.json();
    String name = backendEvent.event() != null ? backendEvent.event()
        : data == null ? "" : data.path("type").asText(""); // the type inside names an unnamed event
    if (name.equals("error")) return List.of(error(data, backendEvent.data()));
    if (data == null || !data.isObject()) return List.of();

    List<SseEvent> out = new ArrayList<>(2);
    switch (name) {
      case "message_start" -> start(data.path("message"), out);
      case "content_block_start" -> blockStart(data, out);
      case "content_block_delta" -> blockDelta(data, out);
      case "message_delta" -> {
        addUsage(data.get("usage"));
        String reason = data.path("delta").path("stop_reason").textValue();
        if (reason != null && !finished) {
          started(out);
          finished = true;
          out.add(chunk(NODES.objectNode(), StopReasons.toOpenAi(reason)));
        }
      }
      case "message_stop" -> stop(out);
      default -> {
        // ping, content_block_stop and event types added later: the client's format has nothing for them
      }
    }
    return out;
  }

  private void start(JsonNode message, List<SseEvent> out) {
    if (id != null) return;
    String messageId = message.path("id").textValue();
    String messageModel = message.path("model").textValue();
    open(messageId, messageModel, out);
    addUsage(message.get("usage"));
  }

  /** The first chunk, carrying the role; an event before message_start (a broken stream) gets one too. */
  private void started(List<SseEvent> out) {
    if (id == null) open(null, null, out);
  }

  private void open(String messageId, String messageModel, List<SseEvent> out) {
    id = "chatcmpl-" + (messageId == null || messageId.isEmpty()
        ? UUID.randomUUID().toString().replace("-", "") : messageId);
    model = messageModel == null || messageModel.isEmpty() ? requestedModel : messageModel;
    created = clock.millis() / 1000;
    String header = header().toString();
    chunkHead = header.substring(0, header.length() - 1) + ",\"choices\":[{\"index\":0,\"delta\":{";
    out.add(chunk(NODES.objectNode().put("role", "assistant").put("content", ""), null));
  }

  private void blockStart(JsonNode event, List<SseEvent> out) {
    JsonNode block = event.path("content_block");
    switch (block.path("type").asText("")) {
      case "text" -> content("content", block.path("text").asText(""), out);
      case "thinking" -> content("reasoning_content", block.path("thinking").asText(""), out);
      case "tool_use" -> {
        started(out);
        int index = toolCalls.size();
        toolCalls.put(event.path("index").asInt(), index);
        JsonNode input = block.path("input");
        // a stream starts with {} and sends the input as deltas; a start that holds it whole sends it here
        String arguments = input.isObject() && input.size() > 0 ? input.toString() : "";
        ObjectNode call = NODES.objectNode().put("index", index).put("id", block.path("id").asText(""))
            .put("type", "function");
        call.putObject("function").put("name", block.path("name").asText("")).put("arguments", arguments);
        ObjectNode delta = NODES.objectNode();
        delta.putArray("tool_calls").add(call);
        out.add(chunk(delta, null));
      }
      default -> {
        // redacted thinking, and server-side tools (web search) the client neither runs nor sees the results of
      }
    }
  }

  private void blockDelta(JsonNode event, List<SseEvent> out) {
    JsonNode delta = event.path("delta");
    switch (delta.path("type").asText("")) {
      case "text_delta" -> content("content", delta.path("text").asText(""), out);
      case "thinking_delta" -> content("reasoning_content", delta.path("thinking").asText(""), out);
      case "input_json_delta" -> {
        Integer index = toolCalls.get(event.path("index").asInt());
        String partial = delta.path("partial_json").asText("");
        if (index == null || partial.isEmpty()) return; // a server tool's input, or nothing to add
        ObjectNode call = NODES.objectNode().put("index", index);
        call.putObject("function").put("arguments", partial);
        ObjectNode chunkDelta = NODES.objectNode();
        chunkDelta.putArray("tool_calls").add(call);
        out.add(chunk(chunkDelta, null));
      }
      default -> {
        // signature_delta, citations_delta: OpenAI's format has no place for them
      }
    }
  }

  private void content(String field, String text, List<SseEvent> out) {
    if (text.isEmpty()) return;
    started(out); // the stream is open: chunkHead is set
    // the chunk chunk() would write, made as text: its head is the same for the whole stream
    StringBuilder json = new StringBuilder(chunkHead.length() + field.length() + text.length() + 64).append(chunkHead)
        .append('"').append(field).append("\":\"");
    QUOTE.quoteAsString(text, json);
    out.add(SseEvent.of(null, json.append("\"},\"logprobs\":null,\"finish_reason\":null}]}").toString()));
  }

  /**
   * A content_block_delta read from its bytes: the chunk of a text or thinking delta (none for an empty one), or null
   * when it is another kind of delta or anything unusual (not an object, a value of another type), for the tree
   * reading to decide.
   */
  private List<SseEvent> textDelta(SseEvent event) {
    String field = null;
    String text = null;
    String thinking = null;
    try {
      JsonCursor p = event.jsonCursor();
      if (!p.enterObject()) return null;
      while (p.nextField()) {
        if (!p.fieldIs(DELTA) || !p.enterObject()) {
          p.skipValue();
          continue;
        }
        field = text = thinking = null;
        while (p.nextField()) {
          if (p.fieldIs(TYPE)) {
            String type = p.stringOrNull();
            field = "text_delta".equals(type) ? "content" : "thinking_delta".equals(type) ? "reasoning_content" : null;
            if (field == null) return null;
          } else if (p.fieldIs(TEXT)) {
            text = p.stringOrNull();
          } else if (p.fieldIs(THINKING)) {
            thinking = p.stringOrNull();
          } else {
            p.skipValue();
          }
        }
      }
    } catch (JsonCursor.Malformed e) {
      return null;
    }
    String value = "content".equals(field) ? text : thinking;
    if (value == null) return null;
    List<SseEvent> out = new ArrayList<>(2);
    content(field, value, out);
    return out;
  }

  private void stop(List<SseEvent> out) {
    ended = true;
    started(out);
    if (!finished) out.add(chunk(NODES.objectNode(), "stop")); // a message_stop without message_delta still ends
    if (includeUsage) {
      ObjectNode last = header();
      last.putArray("choices");
      last.set("usage", UsageReports.toOpenAi(usage));
      out.add(SseEvent.of(null, last.toString()));
    }
    out.add(DONE);
  }

  /** Counts present in the report replace the earlier ones (message_delta's output over message_start's). */
  private void addUsage(JsonNode reported) {
    if (reported == null || !reported.isObject()) return;
    for (String field : USAGE_FIELDS) {
      JsonNode count = reported.get(field);
      if (count != null && count.canConvertToLong()) usage.put(field, count.asLong());
    }
  }

  private ObjectNode header() {
    return NODES.objectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model);
  }

  private SseEvent chunk(ObjectNode delta, String finishReason) {
    ObjectNode chunk = header();
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    return SseEvent.of(null, chunk.toString());
  }

  /** OpenAI's error chunk with Anthropic's type kept (overloaded_error, rate_limit_error...) and the same message. */
  private static SseEvent error(JsonNode data, String raw) {
    JsonNode error = data == null ? null : data.get("error");
    String message = error != null && error.path("message").isTextual() ? error.path("message").textValue() : raw;
    String type = error != null && error.path("type").isTextual() ? error.path("type").textValue() : "api_error";
    ObjectNode chunk = NODES.objectNode();
    chunk.putObject("error").put("message", message).put("type", type).putNull("code");
    return SseEvent.of(null, chunk.toString());
  }
}
