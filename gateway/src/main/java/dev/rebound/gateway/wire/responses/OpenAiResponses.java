package dev.rebound.gateway.wire.responses;

import static dev.rebound.gateway.wire.RequestFields.MAX_TOKENS;
import static dev.rebound.gateway.wire.RequestFields.MIN_TOKENS;
import static dev.rebound.gateway.wire.RequestFields.missing;
import static dev.rebound.gateway.wire.RequestFields.optionalInteger;
import static dev.rebound.gateway.wire.RequestFields.wrongType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.OpenAiErrorShape;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.RequestLayout;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.routing.Protocol;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}), as Codex CLI and the OpenAI Agents SDK speak it: a list of input
 * items (messages, function calls and their outputs, reasoning) and an output of items, streamed as the
 * {@code response.*} event family, each event numbered by {@code sequence_number}.
 */
public final class OpenAiResponses implements WireFormat {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Never written by the gateway: the transcript reads the stop and the end from the same event (see below). */
  private static final SseEvent COMPLETED = SseEvent.of("response.completed",
      "{\"type\":\"response.completed\",\"response\":{\"object\":\"response\",\"status\":\"completed\",\"output\":[]}}");
  static final Set<String> TERMINAL = Set.of("response.completed", "response.incomplete", "response.failed");
  /** The events whose {@code response} is the whole response object. */
  private static final Set<String> RESPONSE_EVENTS = Set.of("response.created", "response.in_progress",
      "response.queued", "response.completed", "response.incomplete", "response.failed");

  private final RequestLayout layout = new ResponsesLayout();

  @Override
  public Protocol protocol() {
    return Protocol.OPENAI_RESPONSES;
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.RESPONSES;
  }

  // --- requests

  @Override
  public void validate(ObjectNode json, Endpoint endpoint) {
    JsonNode input = json.get("input");
    if (input == null || input.isNull()) throw missing("input");
    if (!input.isTextual() && !input.isArray()) throw wrongType("input", "a string or a list of input items");
    if (input.isArray()) for (int i = 0; i < input.size(); i++) item(input.get(i), "input[" + i + "]");
    optionalText(json, "instructions");
    optionalText(json, "prompt_cache_key");
    optionalText(json, "previous_response_id");
    optionalInteger(json, "max_output_tokens", MIN_TOKENS, MAX_TOKENS);
    optionalType(json, "reasoning", JsonNode::isObject, "an object");
    optionalType(json, "metadata", JsonNode::isObject, "an object");
    optionalType(json, "text", JsonNode::isObject, "an object");
    optionalType(json, "store", JsonNode::isBoolean, "a boolean");
    optionalType(json, "parallel_tool_calls", JsonNode::isBoolean, "a boolean");
    optionalType(json, "include", JsonNode::isArray, "a list of strings");
    optionalType(json, "tool_choice", n -> n.isTextual() || n.isObject(), "a string or an object");
    JsonNode format = json.path("text").get("format");
    if (format != null && !format.isNull() && !format.path("type").isTextual()) throw missing("text.format.type");
    JsonNode truncation = json.get("truncation");
    if (truncation != null && !truncation.isNull()
        && !(truncation.isTextual() && Set.of("auto", "disabled").contains(truncation.textValue()))) {
      throw wrongType("truncation", "\"auto\" or \"disabled\"");
    }
    optionalType(json, "background", JsonNode::isBoolean, "a boolean");
    if (json.path("background").asBoolean(false) && !json.path("store").asBoolean(true)) {
      throw new GatewayException(ClientError.invalidRequest("background: a background response is kept until it is "
          + "read, so it cannot be combined with store: false; send store: true (or leave it out).", "background"));
    }
    JsonNode tools = json.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) throw wrongType("tools", "a list of tools");
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        String at = "tools[" + i + "]";
        if (!tool.isObject()) throw wrongType(at, "an object");
        if (!tool.path("type").isTextual()) throw missing(at + ".type");
        String type = tool.get("type").textValue();
        if ((type.equals("function") || type.equals("custom")) && !tool.path("name").isTextual()) throw missing(at + ".name");
      }
    }
  }

  /** An input item: a message (with or without {@code type}), or a typed item; tool pairing needs the call ids. */
  private static void item(JsonNode item, String at) {
    if (!item.isObject()) throw wrongType(at, "an object");
    JsonNode type = item.get("type");
    if (type != null && !type.isNull() && !type.isTextual()) throw wrongType(at + ".type", "a string");
    String kind = type == null || type.isNull() ? "message" : type.textValue();
    switch (kind) {
      case "message" -> {
        if (!item.path("role").isTextual()) throw missing(at + ".role");
        JsonNode content = item.get("content");
        if (content == null || content.isNull()) throw missing(at + ".content");
        if (!content.isTextual() && !content.isArray()) throw wrongType(at + ".content", "a string or a list of content parts");
        for (int j = 0; content.isArray() && j < content.size(); j++) {
          if (!content.get(j).path("type").isTextual()) throw missing(at + ".content[" + j + "].type");
        }
      }
      case "function_call", "custom_tool_call" -> {
        if (!item.path("call_id").isTextual()) throw missing(at + ".call_id");
        if (!item.path("name").isTextual()) throw missing(at + ".name");
      }
      case "function_call_output", "custom_tool_call_output" -> {
        if (!item.path("call_id").isTextual()) throw missing(at + ".call_id");
        if (item.get("output") == null) throw missing(at + ".output");
      }
      default -> { } // reasoning, hosted tool calls, item references: the backend's to judge
    }
  }

  private static void optionalText(ObjectNode json, String field) {
    optionalType(json, field, JsonNode::isTextual, "a string");
  }

  private static void optionalType(ObjectNode json, String field, java.util.function.Predicate<JsonNode> ok, String what) {
    JsonNode n = json.get(field);
    if (n != null && !n.isNull() && !ok.test(n)) throw wrongType(field, what);
  }

  @Override
  public RequestLayout layout() {
    return layout;
  }

  /**
   * {@code truncation: "auto"} leaves the fit to the gateway's policy; {@code "disabled"}, OpenAI's default, wants the
   * overflow error rather than a cut conversation.
   */
  @Override
  public String overflowPolicy(JsonNode request) {
    return "auto".equals(request.path("truncation").textValue()) ? null : "fail";
  }

  /** The system prompt as instructions, the question as the input string. */
  @Override
  public ObjectNode question(String model, int maxTokens, String system, String user) {
    return JSON.createObjectNode().put("model", model).put("max_output_tokens", maxTokens).put("instructions", system)
        .put("input", user).put("store", false);
  }

  @Override
  public void putApiKey(MultiMap headers, String apiKey) {
    headers.set("authorization", "Bearer " + apiKey);
  }

  @Override
  public void putRequiredHeaders(MultiMap headers) {
    // none
  }

  // --- errors

  /** OpenAI's {@code {"error":{message,type,param,code}}}, as the Responses endpoint answers errors too. */
  @Override
  public String errorBody(ClientError e) {
    return OpenAiErrorShape.body(e);
  }

  /**
   * The {@code error} event, then {@code response.failed}: SDKs raise on the first, and Codex, which waits for a
   * terminal response event, reads the failure's message from the second.
   */
  @Override
  public String errorEvent(ClientError e) {
    return errorEvent(e, null);
  }

  /**
   * Numbered after the last event the client read, and the failed response under the id the client saw in
   * {@code response.created} (a new one when it saw none), with the output items it was sent whole: the SDKs read one
   * response through to its end.
   */
  @Override
  public String errorEvent(ClientError e, StreamTranscript sent) {
    ResponsesTranscript seen = sent instanceof ResponsesTranscript t ? t : null;
    int sequence = seen == null ? 0 : seen.lastSequence() + 1;
    String code = e.code() == null ? e.openAiType() : e.code();
    ObjectNode error = JSON.createObjectNode().put("type", "error").put("code", code).put("message", e.message())
        .put("param", e.param()).put("sequence_number", sequence);
    ObjectNode failed = JSON.createObjectNode().put("type", "response.failed");
    String id = seen != null && seen.responseId() != null ? seen.responseId()
        : "resp_" + java.util.UUID.randomUUID().toString().replace("-", "");
    ObjectNode response = failed.putObject("response").put("id", id).put("object", "response");
    if (seen != null && seen.createdAt() >= 0) response.put("created_at", seen.createdAt());
    response.put("status", "failed");
    if (seen != null && seen.model() != null) response.put("model", seen.model());
    response.putObject("error").put("code", code).put("message", e.message());
    ArrayNode output = response.putArray("output");
    if (seen != null) seen.doneItems().forEach(output::add);
    failed.put("sequence_number", sequence + 1);
    return SseEvent.of("error", error.toString()).raw() + SseEvent.of("response.failed", failed.toString()).raw();
  }

  /** {@code {"error":{...}}}, or a failed response object ({@code {"response":{"error":{...}}}} or its body). */
  @Override
  public boolean isErrorBody(JsonNode body) {
    return OpenAiErrorShape.is(body);
  }

  @Override
  public int status(FailureKind kind) {
    return kind.downstreamStatus();
  }

  /** The upstream's own words: OpenAI clients (Codex) key on the code context_length_exceeded. */
  @Override
  public String overflowMessage(Failure overflow) {
    return overflow.message() == null ? "" : overflow.message();
  }

  // --- streams

  /** An SSE comment: OpenAI's SDKs and Codex skip it. */
  @Override
  public String keepAlive() {
    return ": keep-alive\n\n";
  }

  /**
   * The terminal event carries the whole response, so it cannot be written without the stream; the transcript takes
   * the stop reason from that same event, so a stream never stands "stopped but not ended" and this is never sent.
   */
  @Override
  public SseEvent endOfStream() {
    return COMPLETED;
  }

  @Override
  public boolean isEndOfStream(SseEvent e) {
    String name = ResponsesTranscript.name(e);
    return name != null && TERMINAL.contains(name) && !"response.failed".equals(name);
  }

  @Override
  public StreamTranscript transcript(JsonNode request) {
    return new ResponsesTranscript(this);
  }

  /** The events that carry the response object (created, in_progress, queued and the terminal ones) get the id. */
  @Override
  public SseEvent withResponseId(SseEvent e, String id) {
    String name = ResponsesTranscript.name(e);
    if (name == null || !RESPONSE_EVENTS.contains(name)) return e;
    JsonNode d = e.json();
    if (!(d instanceof ObjectNode data) || !(data.get("response") instanceof ObjectNode response)) return e;
    if (id.equals(response.path("id").textValue())) return e;
    response.put("id", id);
    return SseEvent.of(e.event(), data.toString());
  }

  @Override
  public AssistantMessageBuilder messageBuilder() {
    return new ResponsesMessageBuilder();
  }

  @Override
  public ObjectNode continuation(ObjectNode request, StreamTranscript transcript) {
    return ResponsesContinuation.of(request, transcript);
  }

  // --- answers

  /** input_tokens includes the cached ones (input_tokens_details.cached_tokens); they are told apart here. */
  @Override
  public TokenUsage usage(TokenUsage known, JsonNode usage) {
    if (usage == null || !usage.isObject()) return known;
    long cached = TokenUsage.count(usage.path("input_tokens_details"), "cached_tokens", 0);
    long input = TokenUsage.count(usage, "input_tokens", -1);
    return new TokenUsage(input < 0 ? known.input() : Math.max(0, input - cached),
        TokenUsage.count(usage, "output_tokens", known.output()), input < 0 ? known.cacheRead() : cached,
        known.cacheWrite());
  }

  /** The output items, as the next request sends them back in its input. */
  @Override
  public String answeredMessage(JsonNode answer) {
    JsonNode output = answer.get("output");
    if (output == null || !output.isArray()) return null;
    return ResponsesMessageBuilder.turn(answer.path("id").textValue(), (ArrayNode) output).toString();
  }

  /** The output_text parts of the message items, joined. */
  @Override
  public String answerText(JsonNode answer) {
    JsonNode output = answer.get("output");
    if (output == null || !output.isArray()) return null;
    StringBuilder b = new StringBuilder();
    for (JsonNode item : output) {
      if (!"message".equals(item.path("type").asText())) continue;
      for (JsonNode part : item.path("content")) {
        if ("output_text".equals(part.path("type").asText())) b.append(part.path("text").asText());
      }
    }
    return b.toString();
  }

  @Override
  public ObjectNode modelsListing(List<String> ids) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (String id : ids) data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", "rebound");
    root.put("object", "list");
    return root;
  }
}
