package dev.rebound.gateway.wire;

import dev.rebound.gateway.failure.Failure;

/**
 * An error the gateway itself answers with, before rendering in the client's protocol. The two type names are what
 * each protocol's SDKs key on (Anthropic: {@code rate_limit_error}, {@code overloaded_error}...; OpenAI: the
 * {@code type} and {@code code} fields), and the message says what went wrong and what to do.
 */
public record ClientError(int status, String anthropicType, String openAiType, String code, String param, String message) {

  public static ClientError invalidRequest(String message, String param) {
    return new ClientError(400, "invalid_request_error", "invalid_request_error", null, param, message);
  }

  public static ClientError unauthorized(String message) {
    return new ClientError(401, "authentication_error", "invalid_request_error", "invalid_api_key", null, message);
  }

  public static ClientError notFound(String message, String code) {
    return new ClientError(404, "not_found_error", "invalid_request_error", code, null, message);
  }

  public static ClientError methodNotAllowed(String message) {
    return new ClientError(405, "invalid_request_error", "invalid_request_error", "method_not_allowed", null, message);
  }

  public static ClientError tooLarge(String message) {
    return new ClientError(413, "request_too_large", "invalid_request_error", "request_too_large", null, message);
  }

  /** A request whose HTTP framing is broken or ambiguous (its length cannot be known, a chunk is malformed...). */
  public static ClientError badFraming(String message) {
    return new ClientError(400, "invalid_request_error", "invalid_request_error", "invalid_http_framing", null, message);
  }

  public static ClientError requestTimeout(String message) {
    return new ClientError(408, "timeout_error", "invalid_request_error", "request_timeout", null, message);
  }

  public static ClientError expectationFailed(String message) {
    return new ClientError(417, "invalid_request_error", "invalid_request_error", "expectation_failed", null, message);
  }

  public static ClientError uriTooLong(String message) {
    return new ClientError(414, "invalid_request_error", "invalid_request_error", "uri_too_long", null, message);
  }

  public static ClientError headersTooLarge(String message) {
    return new ClientError(431, "invalid_request_error", "invalid_request_error", "headers_too_large", null, message);
  }

  public static ClientError unsupportedMediaType(String message) {
    return new ClientError(415, "invalid_request_error", "invalid_request_error", "unsupported_media_type", null, message);
  }

  /**
   * A failure the gateway could not recover from, in the terms each protocol's SDKs understand: an overflow stays an
   * overflow (in the words the format's clients look for to compact), a rate limit stays a 429; the format decides the
   * status its SDKs act on.
   */
  public static ClientError forFailure(Failure f, WireFormat format, String what) {
    int status = format.status(f.kind());
    String detail = f.message() == null || f.message().isBlank() ? "" : ": " + f.message();
    return switch (f.kind()) {
      case RATE_LIMITED -> new ClientError(status, "rate_limit_error", "rate_limit_error", "rate_limit_exceeded", null,
          "Rate limited upstream" + detail + ". " + what + " within the wait budget; retry after the Retry-After delay.");
      case OVERLOADED -> new ClientError(status, "overloaded_error", "server_error", "overloaded", null,
          "The backends are overloaded" + detail + ". " + what + "; retry after the Retry-After delay.");
      case QUOTA_EXHAUSTED -> new ClientError(status, "rate_limit_error", "insufficient_quota", "insufficient_quota", null,
          "Upstream quota or credit is exhausted" + detail + ". " + what + "; add credit or configure another agent.");
      case CONTEXT_OVERFLOW -> new ClientError(status, "invalid_request_error", "invalid_request_error", "context_length_exceeded",
          "messages", format.overflowMessage(f) + " " + what + "; shorten or compact the conversation.");
      case OUTPUT_LIMIT -> new ClientError(status, "invalid_request_error", "invalid_request_error", "context_length_exceeded",
          "max_tokens", "max_tokens is too large for what is left of the context window" + detail + ". Lower max_tokens.");
      case INVALID_REQUEST -> new ClientError(status, "invalid_request_error", "invalid_request_error", null, null,
          "The backend rejected the request" + detail + ".");
      case AUTH -> new ClientError(status, "authentication_error", "invalid_request_error", "invalid_api_key", null,
          "The backend rejected the credentials" + detail + ". Check the backend's apiKey (or your own key when it is passed through).");
      case TIMEOUT -> new ClientError(status, "timeout_error", "server_error", "upstream_timeout", null,
          "The backend timed out" + detail + ". " + what + "; try again later or raise the backend's timeouts.");
      case CONNECT -> new ClientError(status, "api_error", "server_error", "upstream_unreachable", null,
          "The backend is unreachable" + detail + ". " + what + "; check that it is running.");
      case STREAM_CUT -> new ClientError(status, "api_error", "server_error", "upstream_error", null,
          "The answer was cut" + detail + ". " + what + "; the answer is incomplete, retry the request.");
      case CIRCUIT_OPEN -> new ClientError(status, "overloaded_error", "server_error", "circuit_open", null,
          "Every backend for this request is failing and paused (circuit open)" + detail + ". Retry after the Retry-After delay.");
      case NO_ROUTE -> notFound("No agent can serve this request" + detail + ".", "model_not_found");
      case SERVER_ERROR -> new ClientError(status, "api_error", "server_error", "upstream_error", null,
          "The backend failed" + detail + ". " + what + "; retry the request.");
    };
  }

  public static ClientError internal(String message) {
    return new ClientError(500, "api_error", "server_error", "internal_error", null, message);
  }
}
