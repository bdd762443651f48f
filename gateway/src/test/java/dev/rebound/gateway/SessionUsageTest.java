package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokens each answer reported, stored on its turn and summed on the session, in both stores. */
class SessionUsageTest {
  final Vertx poller = Vertx.vertx();
  Process redis;
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
    if (redis != null) redis.destroyForcibly();
    poller.close().await();
  }

  @Test
  void wholeAnswersUsageIsStoredOnEachTurnAndSummedOnTheSessionInRedis(@TempDir Path dir) throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(poller, port, dir, false);
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
        Clock.systemUTC());
    JsonArray history = new JsonArray();
    long input = 0;
    long output = 0;
    for (int turn = 1; turn <= 2; turn++) {
      history.add(new JsonObject().put("role", "user").put("content", "question " + turn));
      HttpResponse<String> r = h.post("/v1/chat/completions",
          new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", "billed");
      assertEquals(200, r.statusCode(), r.body());
      JsonObject answer = new JsonObject(r.body());
      history.add(answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
      JsonObject usage = answer.getJsonObject("usage");
      input += usage.getLong("prompt_tokens");
      output += usage.getLong("completion_tokens");

      JsonObject storedAnswer = session("billed").getJsonArray("messages").getJsonObject(2 * turn - 1);
      assertEquals(usage.getLong("prompt_tokens"), storedAnswer.getJsonObject("usage").getLong("input"));
      assertEquals(usage.getLong("completion_tokens"), storedAnswer.getJsonObject("usage").getLong("output"));
    }
    assertTrue(input > 0 && output > 0, "the mock reports usage");
    JsonObject meta = session("billed").getJsonObject("meta");
    assertEquals(input, meta.getJsonObject("usage").getLong("input"));
    assertEquals(output, meta.getJsonObject("usage").getLong("output"));
    assertEquals(input + output, meta.getLong("tokens"));
    assertNull(session("billed").getJsonArray("messages").getJsonObject(0).getJsonObject("usage"),
        "a user turn reports nothing");
    assertEquals(input + output, listed("billed").getLong("tokens"), "the listing shows the same sum");
  }

  @Test
  void aStreamedAnswersUsageIsReadFromItsEventsAndStored() throws Exception {
    h = GatewayHarness.start();
    HttpResponse<String> r = h.post("/v1/messages", """
        {"model":"claude-sonnet-4-5","max_tokens":200,"stream":true,"messages":[{"role":"user","content":"stream me"}]}""",
        "x-session-id", "streamed-usage", "anthropic-version", "2023-06-01");
    assertEquals(200, r.statusCode(), r.body());
    long input = -1;
    long output = -1;
    for (String line : r.body().split("\n")) {
      if (!line.startsWith("data: {")) continue;
      JsonObject event = new JsonObject(line.substring(6));
      if ("message_start".equals(event.getString("type"))) {
        input = event.getJsonObject("message").getJsonObject("usage").getLong("input_tokens");
      }
      if ("message_delta".equals(event.getString("type"))) output = event.getJsonObject("usage").getLong("output_tokens");
    }
    assertTrue(input > 0 && output > 0, r.body());
    JsonObject s = session("streamed-usage");
    JsonObject stored = s.getJsonArray("messages").getJsonObject(1).getJsonObject("usage");
    assertEquals(input, stored.getLong("input"));
    assertEquals(output, stored.getLong("output"));
    assertEquals(0, stored.getLong("cacheRead"));
    assertEquals(input + output, s.getJsonObject("meta").getLong("tokens"));
  }

  JsonObject session(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  JsonObject listed(String id) throws Exception {
    JsonArray sessions = new JsonObject(h.get("/admin/sessions").body()).getJsonArray("sessions");
    return sessions.stream().map(JsonObject.class::cast).filter(s -> id.equals(s.getString("id"))).findFirst()
        .orElseThrow();
  }
}
