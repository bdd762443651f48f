package dev.rebound.mockllm;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;

/**
 * What the mock received, oldest first, capped so a long benchmark does not grow memory without
 * bound. Thread-safe.
 */
final class RequestLog {

  private final int limit;
  private final ArrayDeque<RecordedRequest> entries = new ArrayDeque<>();
  private long nextSeq = 1;

  RequestLog(int limit) {
    this.limit = limit;
  }

  /** Records a request; with a limit of 0 the entry is still returned (to track the outcome) but not kept. */
  RecordedRequest record(String method, String path, MultiMap headers, Object body, long receivedAt) {
    if (limit == 0) {
      return new RecordedRequest(0, method, path, new JsonObject(), null, receivedAt);
    }
    JsonObject maskedHeaders = RecordedRequest.headersOf(headers);
    synchronized (this) {
      RecordedRequest entry = new RecordedRequest(nextSeq++, method, path, maskedHeaders, body, receivedAt);
      if (entries.size() == limit) {
        entries.removeFirst();
      }
      entries.addLast(entry);
      return entry;
    }
  }

  synchronized JsonArray toJson() {
    JsonArray json = new JsonArray();
    for (RecordedRequest entry : entries) {
      json.add(entry.toJson());
    }
    return json;
  }

  synchronized void clear() {
    entries.clear();
    nextSeq = 1;
  }
}
