package dev.rebound.gateway.http;

import dev.rebound.routing.Protocol;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.ReferenceCountUtil;

/**
 * One client connection, watched in its Netty pipeline between the HTTP codec and Vert.x: it sees each decoded request
 * head and body chunk on the way in and each response on the way out. A body chunk Netty could not decode is answered
 * here with a 400 and the connection closed; Vert.x would only drop the connection.
 */
final class ConnectionWatch extends ChannelDuplexHandler {
  /** The protocol of the request being read, for the shape of an error about its body. */
  private Protocol protocol = Protocol.OPENAI;
  /** A response head went out for the request being read: nothing else may be written before it ends. */
  private boolean answered;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      protocol = ProtocolErrors.protocolOf(request.uri(), request.headers().contains("anthropic-version"));
      answered = false;
    } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
      Throwable cause = content.decoderResult().cause();
      ReferenceCountUtil.release(content);
      closeWith(ctx, FramingErrors.forBody(cause));
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
      answered = true;
    }
    ctx.write(msg, promise);
  }

  /** Answers with {@code error} when no response has started (else a response would land inside another), then closes. */
  private void closeWith(ChannelHandlerContext ctx, ClientError error) {
    if (answered) {
      ctx.close();
      return;
    }
    answered = true;
    ctx.writeAndFlush(FramingErrors.response(protocol, error)).addListener(ChannelFutureListener.CLOSE);
  }
}
