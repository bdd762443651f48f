package dev.rebound.gateway.wire.anthropic;

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
import dev.rebound.gateway.stream.JsonCursor;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.RequestFields;
import dev.rebound.gateway.wire.RequestLayout;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.routing.Protocol;
import io.vertx.core.MultiMap;
import java.util.List;

/** Anthropic Messages ({@code POST /v1/messages}, {@code /v1/messages/count_tokens}). */
public final class AnthropicMessages implements WireFormat {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SseEvent MESSAGE_STOP = SseEvent.of("message_stop", "{\"type\":\"message_stop\"}");
  private static final String VERSION_HEADER = "anthropic-version";
  /** The API version sent when the client named none (a backend called by the gateway itself, a summary). */
  private static final String DEFAULT_VERSION = "2023-06-01";

  private final RequestLayout layout = new AnthropicLayout();

  @Override
  public ObjectNode withoutForeignReasoning(ObjectNode request) {
    return UnsignedThinking.strip(request);
  }

  @Override
  public Protocol protocol() {
    return Protocol.ANTHROPIC;
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.MESSAGES;
  }

  // --- requests

  /** count_tokens takes the same body as a message, but without max_tokens. */
  @Override
  public void validate(ObjectNode json, Endpoint endpoint) {
    ArrayNode messages = RequestFields.requiredMessages(json);
    for (int i = 0; i < messages.size(); i++) {
      JsonNode content = messages.get(i).get("content");
      String at = "messages[" + i + "].content";
      if (content == null || content.isNull()) throw missing(at);
      if (!content.isTextual() && !content.isArray()) throw wrongType(at, "a string or an array of content blocks");
    }
    JsonNode system = json.get("system");
    if (system != null && !system.isNull() && !system.isTextual() && !system.isArray()) {
      throw wrongType("system", "a string or an array of text blocks");
    }
    if (endpoint == Endpoint.MESSAGES && (json.get("max_tokens") == null || json.get("max_tokens").isNull())) {
      throw missing("max_tokens");
    }
    optionalInteger(json, "max_tokens", MIN_TOKENS, MAX_TOKENS);
    RequestFields.optionalArray(json, "tools");
  }

  @Override
  public RequestLayout layout() {
    return layout;
  }

  /** The system prompt top-level. */
  @Override
  public ObjectNode question(String model, int maxTokens, String system, String user) {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
    ArrayNode messages = body.putArray("messages");
    body.put("system", system);
    messages.addObject().put("role", "user").put("content", user);
    return body;
  }

  @Override
  public void putApiKey(MultiMap headers, String apiKey) {
    headers.set("x-api-key", apiKey);
  }

  @Override
  public void putRequiredHeaders(MultiMap headers) {
    if (!headers.contains(VERSION_HEADER)) headers.set(VERSION_HEADER, DEFAULT_VERSION);
  }

  // --- errors

  /** {@code {"type":"error","error":{type,message}}}. */
  @Override
  public String errorBody(ClientError e) {
    ObjectNode root = JSON.createObjectNode();
    root.put("type", "error");
    ObjectNode err = root.putObject("error");
    err.put("type", e.anthropicType());
    err.put("message", e.message());
    return root.toString();
  }

  @Override
  public String errorEvent(ClientError e) {
    return "event: error\ndata: " + errorBody(e) + "\n\n";
  }

  @Override
  public boolean isErrorBody(JsonNode body) {
    JsonNode err = body.get("error");
    return "error".equals(body.path("type").asText()) && err != null && err.isObject() && err.has("message");
  }

  /** Anthropic's SDKs retry an overload on 529, the status Anthropic itself answers it with. */
  @Override
  public int status(FailureKind kind) {
    return kind == FailureKind.OVERLOADED ? 529 : kind.downstreamStatus();
  }

  /** Clients such as Claude Code look for "prompt is too long" to compact the conversation. */
  @Override
  public String overflowMessage(Failure f) {
    if (f.requestedTokens() != null && f.contextLimit() != null) {
      return "prompt is too long: " + f.requestedTokens() + " tokens > " + f.contextLimit() + " maximum.";
    }
    String m = f.message() == null ? "" : f.message();
    return !m.toLowerCase().contains("prompt is too long") ? "prompt is too long: " + m : m;
  }

  // --- streams

  /** The ping event Anthropic's own servers send. */
  @Override
  public String keepAlive() {
    return "event: ping\ndata: {\"type\": \"ping\"}\n\n";
  }

  @Override
  public SseEvent endOfStream() {
    return MESSAGE_STOP;
  }

  @Override
  public boolean isEndOfStream(SseEvent e) {
    return "message_stop".equals(e.event());
  }

  @Override
  public StreamTranscript transcript(JsonNode request) {
    return new AnthropicTranscript(this);
  }

  @Override
  public AssistantMessageBuilder messageBuilder() {
    return new AnthropicMessageBuilder();
  }

  @Override
  public ObjectNode continuation(ObjectNode request, StreamTranscript transcript) {
    return AnthropicContinuation.of(request, transcript);
  }

  // --- answers

  /** A stream reports in parts (message_start the prompt, each message_delta the output so far). */
  @Override
  public TokenUsage usage(TokenUsage known, JsonNode usage) {
    if (usage == null || !usage.isObject()) return known;
    return new TokenUsage(TokenUsage.count(usage, "input_tokens", known.input()),
        TokenUsage.count(usage, "output_tokens", known.output()),
        TokenUsage.count(usage, "cache_read_input_tokens", known.cacheRead()),
        TokenUsage.count(usage, "cache_creation_input_tokens", known.cacheWrite()));
  }

  private static final byte[] INPUT_TOKENS = JsonCursor.ascii("input_tokens");
  private static final byte[] OUTPUT_TOKENS = JsonCursor.ascii("output_tokens");
  private static final byte[] CACHE_READ = JsonCursor.ascii("cache_read_input_tokens");
  private static final byte[] CACHE_WRITE = JsonCursor.ascii("cache_creation_input_tokens");

  /**
   * {@link #usage(TokenUsage, JsonNode)} read from the usage value a stream event's cursor stands on, which it reads:
   * the same counts, without a tree.
   */
  TokenUsage usage(TokenUsage known, JsonCursor usage) {
    if (!usage.enterObject()) {
      usage.skipValue();
      return known;
    }
    long input = known.input();
    long output = known.output();
    long cacheRead = known.cacheRead();
    long cacheWrite = known.cacheWrite();
    while (usage.nextField()) {
      if (usage.fieldIs(INPUT_TOKENS)) input = usage.longOr(input);
      else if (usage.fieldIs(OUTPUT_TOKENS)) output = usage.longOr(output);
      else if (usage.fieldIs(CACHE_READ)) cacheRead = usage.longOr(cacheRead);
      else if (usage.fieldIs(CACHE_WRITE)) cacheWrite = usage.longOr(cacheWrite);
      else usage.skipValue();
    }
    return new TokenUsage(input, output, cacheRead, cacheWrite);
  }

  @Override
  public String answeredMessage(JsonNode answer) {
    if (!answer.has("content")) return null;
    ObjectNode m = JSON.createObjectNode().put("role", "assistant");
    m.set("content", answer.get("content"));
    return m.toString();
  }

  /** The text blocks joined. */
  @Override
  public String answerText(JsonNode answer) {
    StringBuilder b = new StringBuilder();
    for (JsonNode block : answer.path("content")) if ("text".equals(block.path("type").asText())) b.append(block.path("text").asText());
    return b.toString();
  }

  @Override
  public ObjectNode modelsListing(List<String> ids) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (String id : ids) {
      data.addObject().put("type", "model").put("id", id).put("display_name", id).put("created_at", "1970-01-01T00:00:00Z");
    }
    root.put("has_more", false);
    root.put("first_id", ids.isEmpty() ? null : ids.get(0));
    root.put("last_id", ids.isEmpty() ? null : ids.get(ids.size() - 1));
    return root;
  }
}
