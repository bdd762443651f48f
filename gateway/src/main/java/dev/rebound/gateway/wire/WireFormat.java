package dev.rebound.gateway.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.stream.AssistantMessageBuilder;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.StreamTranscript;
import dev.rebound.gateway.stream.TokenUsage;
import dev.rebound.routing.Protocol;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Everything the gateway knows of one wire format (a dialect): how its requests, errors, streams and answers look. The
 * rest of the gateway asks the format instead of branching on the protocol, so a third format (OpenAI Responses) is
 * one more implementation, and translating between two formats is code that holds two of them.
 *
 * <p>One implementation per format, each in its own package with the pieces it hands out (request layout, stream
 * transcript and its splicer, message builder, continuation): {@code wire.openai} (Chat Completions) and {@code wire.anthropic} (Messages).
 * {@code wire.formats.WireFormats} picks one (its own package, so no format package depends on another).
 */
public interface WireFormat {
  Protocol protocol();

  /** The endpoint a model request of this format is sent to. */
  Endpoint endpoint();

  // --- requests

  /**
   * Checks what the gateway relies on in a parsed request body (model and stream are the front door's).
   *
   * @throws GatewayException a 400 naming the field
   */
  void validate(ObjectNode body, Endpoint endpoint);

  /** Where the request keeps its system prompt, messages, tool call pairs and output limit. */
  RequestLayout layout();

  /**
   * The request without what this format's servers would refuse to take back because another provider made it
   * (Anthropic: thinking blocks without a signature, made by the gateway from another provider's reasoning); null
   * when it holds none, the common case, so nothing is copied.
   */
  default ObjectNode withoutForeignReasoning(ObjectNode request) {
    return null;
  }

  /**
   * The overflow policy the request itself asks for, as {@code context.onOverflow} names it (Responses'
   * {@code truncation}); null when the format has no such field or the request leaves it to the gateway.
   */
  default String overflowPolicy(JsonNode request) {
    return null;
  }

  /** A request asking one question: a system prompt and one user message (the summarizer's). */
  ObjectNode question(String model, int maxTokens, String system, String user);

  /** Sets the header that carries a backend's API key, as this format's servers expect it. */
  void putApiKey(MultiMap headers, String apiKey);

  /** Sets the headers this format's servers require and a client may leave out (Anthropic's version), unless present. */
  void putRequiredHeaders(MultiMap headers);

  // --- errors the client sees

  /** The error as a whole response body in this format's shape. */
  String errorBody(ClientError error);

  /** The error as an event inside a stream that already started, so the stream never ends looking complete. */
  String errorEvent(ClientError error);

  /**
   * The error event after the events the client read ({@code sent}, the stream's transcript; null when unknown): a
   * format whose events are numbered or name their response goes on from there.
   */
  default String errorEvent(ClientError error, StreamTranscript sent) {
    return errorEvent(error);
  }

  /** Whether a parsed body is an error in this format's own shape (an upstream's words the client's SDK understands). */
  boolean isErrorBody(JsonNode body);

  /** The status a failure of this kind is answered with, the one this format's SDKs act on. */
  int status(FailureKind kind);

  /** A context overflow said the way this format's clients recognize (some compact the conversation on it). */
  String overflowMessage(Failure overflow);

  // --- streams

  /** What a waiting streaming client is sent now and then so its read timeout does not fire. */
  String keepAlive();

  /** The event that ends a complete answer's stream. */
  SseEvent endOfStream();

  boolean isEndOfStream(SseEvent event);

  /** A transcript for the streamed answer to this request; it also gives the splicer for a continuation of it. */
  StreamTranscript transcript(JsonNode request);

  /**
   * The event with its response named {@code id} (the id the client already holds: a background job's), when the
   * format's events carry one; the event itself otherwise.
   */
  default SseEvent withResponseId(SseEvent event, String id) {
    return event;
  }

  /** A builder of the streamed assistant message, as the client will send it back. */
  AssistantMessageBuilder messageBuilder();

  /**
   * The request for the rest of the answer the transcript holds so far; the request itself (a plain retry) when it
   * holds no text. Shares unchanged sub-trees with {@code request}: neither may be mutated afterwards.
   */
  ObjectNode continuation(ObjectNode request, StreamTranscript transcript);

  // --- answers

  /** What a usage object of this format says, read over what was known before (a stream reports in parts). */
  TokenUsage usage(TokenUsage known, JsonNode reported);

  /** The usage of a whole (non-stream) answer, read without parsing the answer; NONE when it has none. */
  default TokenUsage usageOfAnswer(Buffer answer) {
    return usage(TokenUsage.NONE, TokenUsage.reportOfAnswer(answer));
  }

  /** The assistant message inside a whole (non-stream) answer, as JSON; null when the body has none. */
  String answeredMessage(JsonNode answer);

  /** The text of a whole (non-stream) answer; null when it has none. */
  String answerText(JsonNode answer);

  /** The models listing ({@code GET /v1/models}) for these model ids. */
  ObjectNode modelsListing(List<String> ids);
}
