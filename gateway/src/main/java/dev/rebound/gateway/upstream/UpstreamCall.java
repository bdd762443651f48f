package dev.rebound.gateway.upstream;

import dev.rebound.gateway.config.BackendConfig;
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

/**
 * One attempt against one backend. A 2xx answer is relayed to the client chunk by chunk as it arrives (never
 * buffered whole), with back-pressure both ways; an error answer is read (bounded) and handed back untouched so the
 * caller can decide what the client sees. Enforces the backend's first-byte, idle and total timeouts, and cancels the
 * upstream request when the client goes away.
 */
public final class UpstreamCall {
  /** Error bodies are read whole for classification; anything larger is not an error body worth more. */
  private static final int MAX_ERROR_BODY = 1 << 20;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final BackendConfig backend;
  private final String uri;
  private final MultiMap headers;
  private final Buffer body;
  private final HttpServerResponse clientResponse;
  private final MultiMap replyHeaders;
  private final Promise<AttemptOutcome> outcome = Promise.promise();

  private HttpClientRequest request;
  private HttpClientResponse response;
  private boolean relaying;
  private boolean finished;
  private boolean responseEnded;
  private long firstByteTimer = -1;
  private long idleTimer = -1;
  private long totalTimer = -1;

  /**
   * @param replyHeaders headers the gateway adds to a relayed answer (x-rebound-*)
   */
  public UpstreamCall(Vertx vertx, HttpClientAgent client, BackendConfig backend, String uri, MultiMap headers,
      Buffer body, HttpServerResponse clientResponse, MultiMap replyHeaders) {
    this.vertx = vertx;
    this.client = client;
    this.backend = backend;
    this.uri = uri;
    this.headers = headers;
    this.body = body;
    this.clientResponse = clientResponse;
    this.replyHeaders = replyHeaders;
  }

  public Future<AttemptOutcome> run() {
    clientResponse.closeHandler(v -> finish(new AttemptOutcome.ClientGone()));
    totalTimer = vertx.setTimer(backend.timeouts().total().toMillis(),
        id -> finish(broken(Breakage.TIMEOUT, "no complete answer within the total timeout of "
            + backend.timeouts().total().toSeconds() + " s")));
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setURI(uri)
        .setHeaders(headers)
        .setConnectTimeout(backend.timeouts().connect().toMillis());
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        finish(broken(Breakage.CONNECT, "cannot connect to backend '" + backend.name() + "' at " + backend.url()
            + ": " + ar.cause().getMessage()));
        return;
      }
      request = ar.result();
      if (finished) {
        request.reset();
        return;
      }
      request.exceptionHandler(err -> finish(broken(relaying ? Breakage.STREAM_CUT : Breakage.CONNECT,
          "backend '" + backend.name() + "' failed: " + err.getMessage())));
      firstByteTimer = vertx.setTimer(backend.timeouts().firstByte().toMillis(),
          id -> finish(broken(Breakage.TIMEOUT, "backend '" + backend.name() + "' sent no response within "
              + backend.timeouts().firstByte().toMillis() + " ms")));
      request.send(body).onComplete(rar -> {
        cancel(firstByteTimer);
        if (rar.failed()) {
          finish(broken(relaying ? Breakage.STREAM_CUT : Breakage.CONNECT,
              "backend '" + backend.name() + "' failed: " + rar.cause().getMessage()));
        } else if (!finished) {
          onResponse(rar.result());
        }
      });
    });
    return outcome.future();
  }

  private void onResponse(HttpClientResponse resp) {
    response = resp;
    armIdle();
    resp.exceptionHandler(err -> finish(broken(relaying ? Breakage.STREAM_CUT : Breakage.CONNECT,
        "backend '" + backend.name() + "' connection broke: " + err.getMessage())));
    if (resp.statusCode() / 100 == 2) relay(resp);
    else collectError(resp);
  }

  private void relay(HttpClientResponse resp) {
    relaying = true;
    clientResponse.setStatusCode(resp.statusCode());
    clientResponse.headers().addAll(HeaderPolicy.clientHeaders(resp.headers())).addAll(replyHeaders);
    String length = resp.getHeader("content-length");
    if (length != null) clientResponse.putHeader("content-length", length);
    else clientResponse.setChunked(true);
    resp.handler(chunk -> {
      armIdle();
      clientResponse.write(chunk);
      if (clientResponse.writeQueueFull()) {
        // a slow client must not let the gateway buffer the whole answer, nor trip the upstream idle timeout
        resp.pause();
        cancel(idleTimer);
        clientResponse.drainHandler(v -> {
          armIdle();
          resp.resume();
        });
      }
    });
    resp.endHandler(v -> {
      responseEnded = true;
      if (finished) return;
      clientResponse.end();
      finish(new AttemptOutcome.Relayed(resp.statusCode()));
    });
  }

  private void collectError(HttpClientResponse resp) {
    Buffer collected = Buffer.buffer();
    resp.handler(chunk -> {
      armIdle();
      int room = MAX_ERROR_BODY - collected.length();
      collected.appendBuffer(chunk.length() <= room ? chunk : chunk.slice(0, Math.max(room, 0)));
      if (collected.length() >= MAX_ERROR_BODY) {
        finish(new AttemptOutcome.ErrorAnswer(resp.statusCode(), resp.headers(), collected));
      }
    });
    resp.endHandler(v -> {
      responseEnded = true;
      finish(new AttemptOutcome.ErrorAnswer(resp.statusCode(), resp.headers(), collected));
    });
  }

  private void armIdle() {
    cancel(idleTimer);
    idleTimer = vertx.setTimer(backend.timeouts().idle().toMillis(),
        id -> finish(broken(Breakage.TIMEOUT, "backend '" + backend.name() + "' went silent for "
            + backend.timeouts().idle().toMillis() + " ms")));
  }

  private AttemptOutcome broken(Breakage breakage, String message) {
    return new AttemptOutcome.Broken(breakage, message, clientResponse.headWritten());
  }

  private void finish(AttemptOutcome result) {
    // resetting the request below fires its exception handler; the first reason to finish is the one that counts
    if (finished) return;
    finished = true;
    cancel(firstByteTimer);
    cancel(idleTimer);
    cancel(totalTimer);
    if (!responseEnded && request != null) request.reset();
    if (response != null) {
      response.handler(null);
      response.endHandler(null);
    }
    clientResponse.closeHandler(null);
    clientResponse.drainHandler(null);
    outcome.complete(result);
  }

  private void cancel(long timer) {
    if (timer >= 0) vertx.cancelTimer(timer);
  }
}
