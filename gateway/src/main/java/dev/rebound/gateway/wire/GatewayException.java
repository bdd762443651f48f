package dev.rebound.gateway.wire;

/** Ends a request with an error the client sees in its own protocol's shape. */
public final class GatewayException extends RuntimeException {
  private final ClientError error;

  public GatewayException(ClientError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public ClientError error() {
    return error;
  }
}
