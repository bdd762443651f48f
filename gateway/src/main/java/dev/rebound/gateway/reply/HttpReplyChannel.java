package dev.rebound.gateway.reply;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;

/** A {@link ReplyChannel} that is the client's HTTP response. */
public record HttpReplyChannel(HttpServerResponse resp, HttpConnection connection) implements ReplyChannel {

  @Override
  public ReplyChannel setStatusCode(int status) {
    resp.setStatusCode(status);
    return this;
  }

  @Override
  public MultiMap headers() {
    return resp.headers();
  }

  @Override
  public ReplyChannel putHeader(CharSequence name, CharSequence value) {
    resp.putHeader(name, value);
    return this;
  }

  @Override
  public void setChunked(boolean chunked) {
    resp.setChunked(chunked);
  }

  @Override
  public boolean headWritten() {
    return resp.headWritten();
  }

  @Override
  public boolean ended() {
    return resp.ended();
  }

  @Override
  public boolean closed() {
    return resp.closed();
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    resp.closeHandler(handler);
  }

  @Override
  public void write(Buffer data) {
    resp.write(data);
  }

  @Override
  public void write(String data) {
    resp.write(data);
  }

  @Override
  public void end() {
    resp.end();
  }

  @Override
  public void end(String data) {
    resp.end(data);
  }

  @Override
  public void end(Buffer data) {
    resp.end(data);
  }

  @Override
  public boolean writeQueueFull() {
    return resp.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    resp.drainHandler(handler);
  }

  @Override
  public void closeConnection() {
    connection.close();
  }

  @Override
  public boolean coalescesEnd() {
    return true;
  }
}
