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
import io.vertx.core.http.RequestOptions;
import java.util.List;

/**
 * One attempt against one backend. An event stream is parsed as it arrives and handed on one complete event at a
 * time (never buffered whole; a cut never leaves half an event at the client), with back-pressure both ways. Any
 * other answer is read whole (bounded) and returned, so nothing reaches the client before the caller decides.
 * Enforces the backend's first-byte, idle and total timeouts, and cancels the upstream request when the client goes.
 */
public final class UpstreamCall implements Upstream.Call {
  private static final int MAX_ERROR_BODY = 1 << 20;
  private static final int MAX_ANSWER_BODY = 64 << 20;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final BackendConfig backend;
  private final String uri;
  private final MultiMap headers;
  private final Buffer body;
  private final StreamTarget target;
  private final Promise<AttemptOutcome> outcome = Promise.promise();

  private HttpClientRequest request;
  private MultiMap responseHeaders;
  private boolean responded;
  private boolean responseEnded;
  private boolean finished;

  // One watchdog timer for all three timeouts: a chunk only records the time it came, instead of cancelling and
  // setting a timer per chunk. The timer fires at the earliest deadline that could have passed and re-arms itself.
  private long startedAt;
  private long sentAt = -1;
  private long lastChunkAt;
  private boolean paused;
  private long watchdog = -1;
  private long watchdogAt;

  public UpstreamCall(Vertx vertx, HttpClientAgent client, BackendConfig backend, String uri, MultiMap headers,
      Buffer body, StreamTarget target) {
    this.vertx = vertx;
    this.client = client;
    this.backend = backend;
    this.uri = uri;
    this.headers = headers;
    this.body = body;
    this.target = target;
  }

  /** Sends the request; the outcome completes once. */
  public UpstreamCall start() {
    target.whenGone(() -> finish(new AttemptOutcome.ClientGone()));
    startedAt = System.nanoTime();
    // a pooled connection comes at once, so the first-byte deadline is nearly this one; if not, the watchdog re-arms
    armBy(Math.min(startedAt + backend.timeouts().total().toNanos(), startedAt + backend.timeouts().firstByte().toNanos()));
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
      sentAt = System.nanoTime();
      armBy(sentAt + backend.timeouts().firstByte().toNanos());
      request.send(body).onComplete(rar -> {
        if (rar.failed()) finish(broken("failed", rar.cause()));
        else if (!finished) onResponse(rar.result());
      });
    });
    return this;
  }

  @Override
  public Future<AttemptOutcome> outcome() {
    return outcome.future();
  }

  @Override
  public MultiMap responseHeaders() {
    return responseHeaders;
  }

  private void onResponse(HttpClientResponse resp) {
    responded = true;
    responseHeaders = resp.headers();
    startIdleClock();
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
      lastChunkAt = System.nanoTime();
      List<SseEvent> events = parser.feed(chunk);
      target.readStarted();
      boolean stopped = false;
      for (SseEvent e : events) {
        if (finished) break;
        if (!target.accept(e)) {
          stopped = true;
          break;
        }
      }
      // what came before a stopping event is the client's, and goes out before the attempt ends
      target.readDone();
      if (stopped) finish(new AttemptOutcome.StoppedByTarget());
      if (finished) return;
      if (target.writeQueueFull()) {
        // a slow client must not make the gateway buffer the answer, nor trip the upstream idle timeout
        resp.pause();
        paused = true;
        target.drainHandler(() -> {
          if (finished) return;
          paused = false;
          startIdleClock();
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
      lastChunkAt = System.nanoTime();
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

  /** From now on the backend's silence counts, up to the idle timeout (chunks then only move {@code lastChunkAt}). */
  private void startIdleClock() {
    lastChunkAt = System.nanoTime();
    armBy(lastChunkAt + backend.timeouts().idle().toNanos());
  }

  /** Makes sure the watchdog fires no later than {@code deadline} (System.nanoTime). */
  private void armBy(long deadline) {
    if (finished || watchdog >= 0 && watchdogAt <= deadline) return;
    if (watchdog >= 0) vertx.cancelTimer(watchdog);
    watchdogAt = deadline;
    watchdog = vertx.setTimer(Math.max(1, (deadline - System.nanoTime() + 999_999) / 1_000_000), id -> {
      watchdog = -1;
      watch();
    });
  }

  /** Finishes with the timeout whose deadline passed, else re-arms for the earliest one still ahead. */
  private void watch() {
    if (finished) return;
    BackendConfig.Timeouts t = backend.timeouts();
    long now = System.nanoTime();
    long total = startedAt + t.total().toNanos();
    if (now >= total) {
      finish(new AttemptOutcome.Broken(Breakage.TIMEOUT, "backend '" + backend.name()
          + "' gave no complete answer within the total timeout of " + t.total().toSeconds() + " s"));
      return;
    }
    long next = total;
    if (!responded && sentAt >= 0) {
      long firstByte = sentAt + t.firstByte().toNanos();
      if (now >= firstByte) {
        finish(new AttemptOutcome.Broken(Breakage.TIMEOUT, "backend '" + backend.name()
            + "' sent no response within " + t.firstByte().toMillis() + " ms"));
        return;
      }
      next = Math.min(next, firstByte);
    } else if (responded && !paused) {
      // a paused response waits for the client, not for the backend: its silence is not the backend's
      long idle = lastChunkAt + t.idle().toNanos();
      if (now >= idle) {
        finish(new AttemptOutcome.Broken(Breakage.TIMEOUT, "backend '" + backend.name() + "' went silent for "
            + t.idle().toMillis() + " ms"));
        return;
      }
      next = Math.min(next, idle);
    }
    armBy(next);
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
    if (watchdog >= 0) vertx.cancelTimer(watchdog);
    if (!responseEnded && request != null) request.reset();
    target.whenGone(null);
    outcome.complete(result);
  }
}
