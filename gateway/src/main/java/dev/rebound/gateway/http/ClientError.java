package dev.rebound.gateway.http;

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

  public static ClientError unsupportedMediaType(String message) {
    return new ClientError(415, "invalid_request_error", "invalid_request_error", "unsupported_media_type", null, message);
  }

  public static ClientError upstreamUnreachable(String message) {
    return new ClientError(502, "api_error", "server_error", "upstream_unreachable", null, message);
  }

  public static ClientError upstreamFailed(String message) {
    return new ClientError(502, "api_error", "server_error", "upstream_error", null, message);
  }

  public static ClientError upstreamTimeout(String message) {
    return new ClientError(504, "timeout_error", "server_error", "upstream_timeout", null, message);
  }

  public static ClientError internal(String message) {
    return new ClientError(500, "api_error", "server_error", "internal_error", null, message);
  }
}
