package dev.rebound.mockllm;

import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;

/**
 * A provider's request rate limit: a fixed window of {@code requests} per {@code windowMs}, reported on every model
 * answer as OpenAI (x-ratelimit-*-requests) or Anthropic (anthropic-ratelimit-requests-*) do, and a 429 past it.
 * Off until set ({@code POST /_mock/ratelimit}); thread-safe.
 */
final class RateLimit {
  private int requests;
  private long windowMs;
  private long windowStart;
  private int used;

  synchronized void set(int requests, long windowMs) {
    this.requests = requests;
    this.windowMs = windowMs;
    this.windowStart = 0;
    this.used = 0;
  }

  synchronized void clear() {
    set(0, 0);
  }

  /** Counts one request now; null when no limit is set, else what to report and whether it may be served. */
  synchronized Verdict take(long nowMs) {
    if (requests <= 0) return null;
    if (nowMs >= windowStart + windowMs) {
      windowStart = nowMs - (windowStart == 0 ? 0 : (nowMs - windowStart) % windowMs);
      used = 0;
    }
    boolean allowed = used < requests;
    if (allowed) used++;
    return new Verdict(allowed, requests, requests - used, windowStart + windowMs - nowMs, windowStart + windowMs);
  }

  /**
   * @param resetInMs until the window refills
   * @param resetAtMs when it refills (epoch ms)
   */
  record Verdict(boolean allowed, int limit, int remaining, long resetInMs, long resetAtMs) {
    void putHeaders(HttpServerResponse response, boolean anthropic) {
      if (anthropic) {
        response.putHeader("anthropic-ratelimit-requests-limit", Integer.toString(limit));
        response.putHeader("anthropic-ratelimit-requests-remaining", Integer.toString(remaining));
        response.putHeader("anthropic-ratelimit-requests-reset", Instant.ofEpochMilli(resetAtMs).toString());
      } else {
        response.putHeader("x-ratelimit-limit-requests", Integer.toString(limit));
        response.putHeader("x-ratelimit-remaining-requests", Integer.toString(remaining));
        response.putHeader("x-ratelimit-reset-requests", Math.max(1, resetInMs) + "ms");
      }
      if (!allowed) response.putHeader("retry-after-ms", Long.toString(Math.max(1, resetInMs)));
    }
  }
}
