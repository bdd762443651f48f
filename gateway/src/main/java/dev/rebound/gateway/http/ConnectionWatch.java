package dev.rebound.gateway.http;

import dev.rebound.gateway.time.DurationText;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.WireFormat;
import dev.rebound.gateway.wire.formats.WireFormats;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection, watched in its Netty pipeline: {@link #bytesIn()} sits before the HTTP decoder and sees raw
 * bytes arrive; this handler sits after the codec and sees each decoded request head and body chunk on the way in and
 * each response on the way out. Everything runs on the connection's event loop, timers included.
 *
 * <ul>
 *   <li>A request head must arrive whole within the header timeout, counted from the connection's start or, on a
 *       reused connection, from the head's first byte: a client trickling a head is answered 408 and closed.
 *   <li>A connection is idle when no request is in flight and no bytes go either way; it is closed after the idle
 *       timeout. A request whose body stops arriving for that long is answered 408 and closed. A request being
 *       answered is never timed here: a stream may wait on its upstream with or without keep-alives (the upstream
 *       timeouts govern that), and a client may read it slowly.
 *   <li>A body chunk Netty could not decode is answered with a 400 and the connection closed; Vert.x would only drop
 *       the connection.
 * </ul>
 */
final class ConnectionWatch extends ChannelDuplexHandler {
  private enum Phase {
    /** waiting for a request head to arrive whole */
    HEAD,
    /** a head arrived; its body is still arriving */
    BODY,
    /** every request read is being answered */
    ANSWERING,
    /** no request in flight: waiting for the next one */
    IDLE
  }

  private final long headTimeoutNanos;
  private final long idleTimeoutNanos;
  private final String headTimeoutText;
  private final String idleTimeoutText;
  private ChannelHandlerContext ctx;
  /**
   * The one scheduled task, due at {@link #timerAt}. It may be due before the phase's deadline: a later deadline keeps
   * it and it waits out the rest when it fires, so a keep-alive connection does not cancel and schedule a task three
   * times per request (head, body, idle), only about once per header timeout.
   */
  private ScheduledFuture<?> timer;
  private long timerAt;
  /** The current phase's limit, as {@link System#nanoTime}; only while {@link #armed}. */
  private long deadline;
  private boolean armed;
  private Phase phase = Phase.HEAD;
  /** Bytes of the head being waited for have arrived (a connection that sent nothing is closed without a word). */
  private boolean headStarted;
  private long lastReadNanos;
  /** Requests whose head arrived and whose response has not ended (more than one when a client pipelines). */
  private int unanswered;
  /** The wire format of the request being read, for the shape of an error about it. */
  private WireFormat format = WireFormats.OPENAI_CHAT;
  /** A response head went out for the request being read: nothing else may be written before it ends. */
  private boolean answered;

  ConnectionWatch(Duration headTimeout, Duration idleTimeout) {
    this.headTimeoutNanos = headTimeout.toNanos();
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.headTimeoutText = DurationText.format(headTimeout);
    this.idleTimeoutText = DurationText.format(idleTimeout);
  }

  /** The handler to put before the HTTP decoder: it notes each read, and the first byte of a head after an idle spell. */
  ChannelHandler bytesIn() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext c, Object msg) {
        lastReadNanos = System.nanoTime();
        if (phase == Phase.IDLE) {
          phase = Phase.HEAD;
          format = WireFormats.OPENAI_CHAT;
          arm(headTimeoutNanos);
        }
        if (phase == Phase.HEAD) headStarted = true;
        c.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // added when the connection is accepted: the first head's time starts now
    this.ctx = ctx;
    lastReadNanos = System.nanoTime();
    arm(headTimeoutNanos);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    disarm();
    cancelTimer();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      unanswered++;
      answered = false;
      headStarted = false;
      format = WireFormats.guess(request.uri(), request.headers().contains("anthropic-version"));
      phase = Phase.BODY;
      arm(idleTimeoutNanos);
    } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
      Throwable cause = content.decoderResult().cause();
      ReferenceCountUtil.release(content);
      closeWith(FramingErrors.forBody(cause));
      return;
    }
    // a whole request (FullHttpRequest) is a head and its last content at once
    if (msg instanceof LastHttpContent && phase == Phase.BODY) settle();
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    boolean interim = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    if (!interim) {
      if (msg instanceof HttpResponse) answered = true;
      if (msg instanceof LastHttpContent && unanswered > 0) {
        unanswered--;
        if (phase == Phase.ANSWERING) settle();
      }
    }
    ctx.write(msg, promise);
  }

  /** After a request was read or a response ended: answering while any response is owed, else idle. */
  private void settle() {
    if (unanswered > 0) {
      phase = Phase.ANSWERING;
      disarm();
    } else {
      phase = Phase.IDLE;
      arm(idleTimeoutNanos);
    }
  }

  private void fire() {
    timer = null;
    if (!armed) return;
    long left = deadline - System.nanoTime();
    if (left > 0) {
      schedule(left);
      return;
    }
    armed = false;
    expired();
  }

  private void expired() {
    switch (phase) {
      case HEAD -> {
        if (!headStarted) {
          // nothing was sent: there is no request to answer, and an unasked-for response could be read as the answer
          // to the client's next request
          ctx.close();
          return;
        }
        closeWith(ClientError.requestTimeout("The request head (request line and headers) did not arrive within "
            + headTimeoutText + " (server.headerTimeout); send the whole head at once."));
      }
      case BODY -> {
        long quiet = System.nanoTime() - lastReadNanos;
        if (quiet < idleTimeoutNanos) {
          arm(idleTimeoutNanos - quiet);
          return;
        }
        closeWith(ClientError.requestTimeout("The request body stopped arriving for " + idleTimeoutText
            + " (server.idleTimeout); send the request again."));
      }
      case IDLE -> ctx.close();
      case ANSWERING -> { }
    }
  }

  /** The current phase ends {@code delayNanos} from now. */
  private void arm(long delayNanos) {
    deadline = System.nanoTime() + delayNanos;
    armed = true;
    if (timer != null && timerAt - deadline <= 0) return; // due first: it waits out the rest when it fires
    cancelTimer();
    schedule(delayNanos);
  }

  /** The current phase has no limit; a scheduled task is left to fire and find nothing to do. */
  private void disarm() {
    armed = false;
  }

  private void schedule(long delayNanos) {
    timerAt = System.nanoTime() + delayNanos;
    timer = ctx.executor().schedule(this::fire, delayNanos, TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** Answers with {@code error} when no response has started (else a response would land inside another), then closes. */
  private void closeWith(ClientError error) {
    disarm();
    phase = Phase.ANSWERING;
    if (answered) {
      ctx.close();
      return;
    }
    answered = true;
    ctx.writeAndFlush(FramingErrors.response(format, error)).addListener(ChannelFutureListener.CLOSE);
  }
}
