package dev.rebound.gateway.wire.translate;

import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.GatewayException;

/** The 400 a request translation answers when leaving a field out would change the answer. */
final class Refusals {
  private Refusals() {}

  /** A 400 whose message starts with the field's path (as {@code RequestFields} does) and says what to do. */
  static GatewayException at(String path, String message) {
    return new GatewayException(ClientError.invalidRequest(path + ": " + message, path));
  }

  /** A field whose value the backend's format has no word for. */
  static GatewayException unsupported(String path, String value, String backendFormat, String whatToDo) {
    return new GatewayException(ClientError.invalidRequest(path + " '" + value + "' has no equivalent in the "
        + backendFormat + " format of the backend this request was routed to; " + whatToDo, path));
  }
}
