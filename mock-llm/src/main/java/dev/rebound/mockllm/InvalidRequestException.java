package dev.rebound.mockllm;

/** A request the provider would reject with 400; the message is already in that provider's wording. */
final class InvalidRequestException extends RuntimeException {

  final String param;

  InvalidRequestException(String message, String param) {
    super(message, null, false, false);
    this.param = param;
  }
}
