package dev.rebound.gateway.upstream;

import dev.rebound.gateway.config.BackendConfig;
import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.SseParser;
import dev.rebound.gateway.upstream.AttemptOutcome.Breakage;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.List;

/**
 * One attempt against one backend. An event stream is parsed as it arrives and handed on one complete event at a
 * time (never buffered whole; a cut never leaves half an event at the client), with back-pressure both ways. Any
 * other answer is read whole (bounded) and returned, so nothing reaches the client before the caller decides.
 * Enforces the backend's first-byte, idle and total timeouts, and cancels the upstream request when the client goes.
 */
public final class UpstreamCall {
  private static final int MAX_ERROR_BODY = 1 << 20;
  private static final int MAX_ANSWER_BODY = 64 << 20;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final BackendConfig backend;
  private final String uri;
  private final MultiMap headers;
  private final Buffer body;
  private final HttpServerResponse clientResponse;
  private final StreamTarget target;
  private final Promise<AttemptOutcome> outcome = Promise.promise();

  private HttpClientRequest request;
  private boolean responded;
  private boolean responseEnded;
  private boolean finished;
  private long firstByteTimer = -1;
  private long idleTimer = -1;
  private long totalTimer = -1;

  public UpstreamCall(Vertx vertx, HttpClientAgent client, BackendConfig backend, String uri, MultiMap headers,
      Buffer body, HttpServerResponse clientResponse, StreamTarget target) {
    this.vertx = vertx;
    this.client = client;
    this.backend = backend;
    this.uri = uri;
    this.headers = headers;
    this.body = body;
    this.clientResponse = clientResponse;
    this.target = target;
  }

  public Future<AttemptOutcome> run() {
    clientResponse.closeHandler(v -> finish(new AttemptOutcome.ClientGone()));
    totalTimer = vertx.setTimer(backend.timeouts().total().toMillis(),
        id -> finish(new AttemptOutcome.Broken(Breakage.TIMEOUT, "backend '" + backend.name()
            + "' gave no complete answer within the total timeout of " + backend.timeouts().total().toSeconds() + " s")));
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setURI(uri)
        .setHeaders(headers)
        .setConnectTimeout(backend.timeouts().connect().toMillis());
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        finish(new AttemptOutcome.Broken(Breakage.CONNECT, "cannot connect to backend '" + backend.name() + "' at "
            + backend.url() + ": " + ar.cause().getMessage()));
        return;
      }
      request = ar.result();
      if (finished) {
        request.reset();
        return;
      }
      request.exceptionHandler(err -> finish(broken("failed", err)));
      firstByteTimer = vertx.setTimer(backend.timeouts().firstByte().toMillis(),
          id -> finish(new AttemptOutcome.Broken(Breakage.TIMEOUT, "backend '" + backend.name()
              + "' sent no response within " + backend.timeouts().firstByte().toMillis() + " ms")));
      request.send(body).onComplete(rar -> {
        cancel(firstByteTimer);
        if (rar.failed()) finish(broken("failed", rar.cause()));
        else if (!finished) onResponse(rar.result());
      });
    });
    return outcome.future();
  }

  private void onResponse(HttpClientResponse resp) {
    responded = true;
    armIdle();
    resp.exceptionHandler(err -> finish(broken("connection broke", err)));
    String type = resp.getHeader("content-type");
    boolean ok = resp.statusCode() / 100 == 2;
    if (ok && type != null && type.toLowerCase().startsWith("text/event-stream")) {
      relayEvents(resp);
    } else {
      collect(resp, ok ? MAX_ANSWER_BODY : MAX_ERROR_BODY, ok);
    }
  }

  private void relayEvents(HttpClientResponse resp) {
    target.begin(resp.statusCode(), resp.headers());
    SseParser parser = new SseParser();
    resp.handler(chunk -> {
      armIdle();
      List<SseEvent> events = parser.feed(chunk);
      for (SseEvent e : events) {
        if (finished) return;
        if (!target.accept(e)) {
          finish(new AttemptOutcome.StoppedByTarget());
          return;
        }
      }
      if (target.writeQueueFull()) {
        // a slow client must not make the gateway buffer the answer, nor trip the upstream idle timeout
        resp.pause();
        cancel(idleTimer);
        target.drainHandler(() -> {
          if (finished) return;
          armIdle();
          resp.resume();
        });
      }
    });
    resp.endHandler(v -> {
      responseEnded = true;
      finish(new AttemptOutcome.Streamed(resp.statusCode()));
    });
  }

  private void collect(HttpClientResponse resp, int limit, boolean ok) {
    Buffer collected = Buffer.buffer();
    resp.handler(chunk -> {
      armIdle();
      if (collected.length() + chunk.length() > limit) {
        // an error page this large carries nothing more worth reading; an answer this large is not one we relay
        collected.appendBuffer(chunk.slice(0, Math.max(0, limit - collected.length())));
        finish(ok ? new AttemptOutcome.Broken(Breakage.STREAM_CUT, "backend '" + backend.name()
            + "' answer exceeds " + (limit >> 20) + " MiB") : new AttemptOutcome.ErrorAnswer(resp.statusCode(), resp.headers(), collected));
        return;
      }
      collected.appendBuffer(chunk);
    });
    resp.endHandler(v -> {
      responseEnded = true;
      finish(ok ? new AttemptOutcome.Answered(resp.statusCode(), resp.headers(), collected)
          : new AttemptOutcome.ErrorAnswer(resp.statusCode(), resp.headers(), collected));
    });
  }

  private void armIdle() {
    cancel(idleTimer);
    idleTimer = vertx.setTimer(backend.timeouts().idle().toMillis(),
        id -> finish(new AttemptOutcome.Broken(Breakage.TIMEOUT, "backend '" + backend.name() + "' went silent for "
            + backend.timeouts().idle().toMillis() + " ms")));
  }

  /** Before a response a broken exchange is a connection failure; after it, the answer was cut. */
  private AttemptOutcome broken(String what, Throwable err) {
    return new AttemptOutcome.Broken(responded ? Breakage.STREAM_CUT : Breakage.CONNECT,
        "backend '" + backend.name() + "' " + what + ": " + err.getMessage());
  }

  private void finish(AttemptOutcome result) {
    // resetting the request below fires its exception handler; the first reason to finish is the one that counts
    if (finished) return;
    finished = true;
    cancel(firstByteTimer);
    cancel(idleTimer);
    cancel(totalTimer);
    if (!responseEnded && request != null) request.reset();
    clientResponse.closeHandler(null);
    outcome.complete(result);
  }

  private void cancel(long timer) {
    if (timer >= 0) vertx.cancelTimer(timer);
  }
}
