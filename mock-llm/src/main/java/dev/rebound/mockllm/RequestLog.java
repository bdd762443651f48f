package dev.rebound.mockllm;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;

/**
 * What the mock received, oldest first, capped so a long benchmark does not grow memory without
 * bound: at most {@code limit} requests, and the oldest go first while their bodies add up to more
 * than {@value #MAX_BODY_BYTES} bytes (a thousand requests of megabytes each are gigabytes once
 * parsed). Thread-safe.
 */
final class RequestLog {
  static final long MAX_BODY_BYTES = 4L * 1024 * 1024;

  private record Kept(RecordedRequest request, long bytes) {}

  private final int limit;
  private final ArrayDeque<Kept> entries = new ArrayDeque<>();
  private long bytes;
  private long nextSeq = 1;

  RequestLog(int limit) {
    this.limit = limit;
  }

  /** Records a request; with a limit of 0 the entry is still returned (to track the outcome) but not kept. */
  RecordedRequest record(String method, String path, MultiMap headers, Object body, long bodyBytes, long receivedAt) {
    if (limit == 0) {
      return new RecordedRequest(0, method, path, new JsonObject(), null, receivedAt);
    }
    JsonObject maskedHeaders = RecordedRequest.headersOf(headers);
    synchronized (this) {
      RecordedRequest entry = new RecordedRequest(nextSeq++, method, path, maskedHeaders, body, receivedAt);
      entries.addLast(new Kept(entry, bodyBytes));
      bytes += bodyBytes;
      // the newest stays, however large
      while (entries.size() > 1 && (entries.size() > limit || bytes > MAX_BODY_BYTES)) {
        bytes -= entries.removeFirst().bytes();
      }
      return entry;
    }
  }

  synchronized JsonArray toJson() {
    JsonArray json = new JsonArray();
    for (Kept entry : entries) {
      json.add(entry.request().toJson());
    }
    return json;
  }

  synchronized void clear() {
    entries.clear();
    bytes = 0;
    nextSeq = 1;
  }
}
