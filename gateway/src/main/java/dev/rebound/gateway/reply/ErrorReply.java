package dev.rebound.gateway.reply;

import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.WireFormat;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** Answers with an error in the client's wire format, however far the response has got. */
public final class ErrorReply {
  private ErrorReply() {}

  /**
   * Before anything was sent it is a normal error response; inside a stream that already started it is the format's
   * error event, so the stream never ends looking complete; in a plain body that already started, the connection is
   * closed so the client sees a truncated answer.
   */
  public static void send(HttpServerResponse resp, HttpConnection connection, WireFormat format, ClientError error) {
    send(new HttpReplyChannel(resp, connection), format, error);
  }

  /** The same, on any {@link ReplyChannel}. */
  public static void send(ReplyChannel resp, WireFormat format, ClientError error) {
    send(resp, format, error, null);
  }

  /**
   * The same, inside a stream whose events the client read as {@code sent} (its transcript; null when there was no
   * stream): the error events follow them (a Responses stream's sequence numbers and response id).
   */
  public static void send(ReplyChannel resp, WireFormat format, ClientError error,
      dev.rebound.gateway.stream.StreamTranscript sent) {
    if (resp.ended() || resp.closed()) return;
    if (!resp.headWritten()) {
      resp.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(format.errorBody(error));
      return;
    }
    String type = resp.headers().get(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.startsWith("text/event-stream")) resp.end(format.errorEvent(error, sent));
    else resp.closeConnection();
  }
}
