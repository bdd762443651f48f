package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class RequestLogTest {
  @Test
  void theOldestRequestsGoOnceTheirBodiesAddUpToMoreThanTheByteBudget() {
    RequestLog log = new RequestLog(1000);
    long third = RequestLog.MAX_BODY_BYTES / 3;
    for (int i = 0; i < 5; i++) log.record("POST", "/v1/chat/completions", MultiMap.caseInsensitiveMultiMap(), "b" + i, third, i);
    assertEquals(3, log.toJson().size());
    assertEquals("b2", log.toJson().getJsonObject(0).getString("body"));
    log.record("POST", "/v1/messages", MultiMap.caseInsensitiveMultiMap(), "huge", 2 * RequestLog.MAX_BODY_BYTES, 9);
    assertEquals(1, log.toJson().size(), "the newest stays, however large");
  }

  @Test
  void atMostLimitRequestsAreKept() {
    RequestLog log = new RequestLog(2);
    for (int i = 0; i < 5; i++) log.record("GET", "/v1/models", MultiMap.caseInsensitiveMultiMap(), null, 0, i);
    assertEquals(2, log.toJson().size());
  }
}
