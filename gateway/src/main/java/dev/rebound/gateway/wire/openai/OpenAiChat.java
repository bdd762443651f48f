package dev.rebound.gateway.wire.openai;

import static dev.rebound.gateway.wire.RequestFields.MAX_TOKENS;
import static dev.rebound.gateway.wire.RequestFields.MIN_TOKENS;
import static dev.rebound.gateway.wire.RequestFields.optionalInteger;

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
import dev.rebound.gateway.wire.RequestFields;
import dev.rebound.gateway.wire.RequestLayout;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.routing.Protocol;
import io.vertx.core.MultiMap;
import java.util.List;

/** OpenAI Chat Completions ({@code POST /v1/chat/completions}), as OpenAI and every OpenAI-compatible server speak it. */
public final class OpenAiChat implements WireFormat {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SseEvent DONE = SseEvent.of(null, "[DONE]");
  /** OpenAI's own limit on {@code n}; the gateway waits for each of the n choices to finish. */
  static final int MAX_CHOICES = 128;

  private final RequestLayout layout = new OpenAiLayout();

  @Override
  public Protocol protocol() {
    return Protocol.OPENAI;
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.CHAT_COMPLETIONS;
  }

  // --- requests

  @Override
  public void validate(ObjectNode json, Endpoint endpoint) {
    RequestFields.requiredMessages(json);
    optionalInteger(json, "max_tokens", MIN_TOKENS, MAX_TOKENS);
    optionalInteger(json, "max_completion_tokens", MIN_TOKENS, MAX_TOKENS);
    optionalInteger(json, "n", 1, MAX_CHOICES);
    JsonNode options = json.get("stream_options");
    if (options != null && !options.isNull() && !options.isObject()) throw RequestFields.wrongType("stream_options", "an object");
    RequestFields.optionalArray(json, "tools");
  }

  @Override
  public RequestLayout layout() {
    return layout;
  }

  /** The system prompt as the first message. */
  @Override
  public ObjectNode question(String model, int maxTokens, String system, String user) {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", system);
    messages.addObject().put("role", "user").put("content", user);
    return body;
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

  /** {@code {"error":{message,type,param,code}}}. */
  @Override
  public String errorBody(ClientError e) {
    return OpenAiErrorShape.body(e);
  }

  /** A {@code data:} line carrying the error object, with no {@code [DONE]} after it. */
  @Override
  public String errorEvent(ClientError e) {
    return "data: " + errorBody(e) + "\n\n";
  }

  @Override
  public boolean isErrorBody(JsonNode body) {
    return OpenAiErrorShape.is(body);
  }

  @Override
  public int status(FailureKind kind) {
    return kind.downstreamStatus();
  }

  /** The upstream's own words: OpenAI clients key on the code (context_length_exceeded), not the message. */
  @Override
  public String overflowMessage(Failure overflow) {
    return overflow.message() == null ? "" : overflow.message();
  }

  // --- streams

  /** An SSE comment: every OpenAI client ignores it. */
  @Override
  public String keepAlive() {
    return ": keep-alive\n\n";
  }

  @Override
  public SseEvent endOfStream() {
    return DONE;
  }

  @Override
  public boolean isEndOfStream(SseEvent e) {
    return e.isDone();
  }

  /** Waits for every one of the request's {@code n} choices. */
  @Override
  public StreamTranscript transcript(JsonNode request) {
    return new OpenAiTranscript(this, request.path("n").asInt(1));
  }

  @Override
  public AssistantMessageBuilder messageBuilder() {
    return new OpenAiMessageBuilder();
  }

  @Override
  public ObjectNode continuation(ObjectNode request, StreamTranscript transcript) {
    return OpenAiContinuation.of(request, transcript);
  }

  // --- answers

  /** prompt_tokens includes the cached ones; they are told apart here. */
  @Override
  public TokenUsage usage(TokenUsage known, JsonNode usage) {
    if (usage == null || !usage.isObject()) return known;
    long cached = TokenUsage.count(usage.path("prompt_tokens_details"), "cached_tokens", 0);
    long prompt = TokenUsage.count(usage, "prompt_tokens", -1);
    return new TokenUsage(prompt < 0 ? known.input() : Math.max(0, prompt - cached),
        TokenUsage.count(usage, "completion_tokens", known.output()), prompt < 0 ? known.cacheRead() : cached,
        known.cacheWrite());
  }

  @Override
  public String answeredMessage(JsonNode answer) {
    JsonNode message = answer.path("choices").path(0).path("message");
    return message.isObject() ? message.toString() : null;
  }

  @Override
  public String answerText(JsonNode answer) {
    return answer.path("choices").path(0).path("message").path("content").asText(null);
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
