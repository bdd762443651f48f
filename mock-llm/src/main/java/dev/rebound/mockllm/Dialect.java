package dev.rebound.mockllm;

import io.vertx.core.json.JsonObject;

/** One provider's wire format: how requests are read and how answers and errors are written. */
interface Dialect {

  /**
   * Reads and validates a chat request.
   *
   * @throws InvalidRequestException when the provider would reject the request
   */
  ChatRequest read(JsonObject body, TokenCounter tokens);

  /** Message for a body that is not a JSON object, in the provider's wording. */
  String malformedBodyMessage();

  JsonObject invalidRequest(String message, String param);

  /** The prompt alone does not fit the context window. */
  JsonObject promptTooLong(int window, int promptTokens);

  /** The prompt fits, but not together with the requested output tokens. */
  JsonObject promptPlusOutputTooLong(int window, int promptTokens, int maxTokens);

  /** The provider's usual error body for an HTTP status, used when a fault gives no body. */
  JsonObject errorForStatus(int status, String model);

  JsonObject completion(ChatRequest request, ReplyPlan plan);

  SseScript stream(ChatRequest request, ReplyPlan plan);

  /** Data of the error event a provider sends mid-stream when it fails. */
  JsonObject defaultStreamError();

  /** Frames {@code data} as this provider's mid-stream error event. */
  String streamErrorEvent(JsonObject data);

  /** Status for a non-streaming request whose fault scripts a stream error. */
  int streamErrorStatus();
}
