package dev.rebound.mockllm;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Starts a mock on an ephemeral port per test and talks to it over real sockets. */
@ExtendWith(VertxExtension.class)
abstract class MockLlmHttpTest {

  static final String HOST = "127.0.0.1";

  Vertx vertx;
  MockLlmServer server;
  WebClient client;

  /** One SSE event; {@code event} is null for OpenAI's data-only events. */
  record SseEvent(String event, String data) {
    JsonObject json() {
      return new JsonObject(data);
    }
  }

  MockLlmOptions options() {
    return MockLlmOptions.defaults();
  }

  @BeforeEach
  void startMock(Vertx vertx) throws Exception {
    this.vertx = vertx;
    server = new MockLlmServer(vertx, options());
    await(server.start());
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stopMock() throws Exception {
    client.close();
    await(server.stop());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }

  Future<HttpResponse<Buffer>> send(String path, JsonObject body, MultiMap headers) {
    return client.post(server.port(), HOST, path).putHeaders(headers).sendJsonObject(body);
  }

  HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return await(send(path, body, MultiMap.caseInsensitiveMultiMap()));
  }

  HttpResponse<Buffer> post(String path, JsonObject body, String header, String value) throws Exception {
    return await(send(path, body, MultiMap.caseInsensitiveMultiMap().add(header, value)));
  }

  HttpResponse<Buffer> postRaw(String path, String body) throws Exception {
    return await(client.post(server.port(), HOST, path).putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer(body)));
  }

  HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(server.port(), HOST, path).send());
  }

  void addFaults(Object faults) throws Exception {
    JsonArray array = faults instanceof JsonArray a ? a : new JsonArray().add(faults);
    HttpResponse<Buffer> response = await(client.post(server.port(), HOST, "/_mock/faults").sendJson(array));
    if (response.statusCode() != 200) {
      throw new AssertionError("faults rejected: " + response.bodyAsString());
    }
  }

  static JsonObject openAiChat(String model, String userText) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", userText)));
  }

  static JsonObject anthropicMessage(String model, String userText) {
    return new JsonObject().put("model", model).put("max_tokens", 1024)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", userText)));
  }

  /** What a streamed answer delivered before it ended ({@code failure} null) or broke. */
  record Streamed(String text, Throwable failure) {}

  /**
   * Posts {@code body} and collects the answer chunk by chunk, keeping what arrived before a cut. The chunk handler is
   * set in a listener of {@code request.response()} registered before sending, which runs on the connection's event
   * loop as the headers arrive: a handler set in a later composed step could miss the bytes that came with them.
   */
  Streamed postAndCollect(String path, Buffer body) throws Exception {
    StringBuilder received = new StringBuilder();
    Promise<Void> done = Promise.promise();
    vertx.createHttpClient().request(io.vertx.core.http.HttpMethod.POST, server.port(), HOST, path).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      io.vertx.core.http.HttpClientRequest request = ar.result();
      request.response().onSuccess(response -> {
        response.handler(chunk -> received.append(chunk.toString()));
        response.exceptionHandler(done::tryFail);
        response.endHandler(v -> done.tryComplete());
      }).onFailure(done::tryFail);
      request.putHeader("content-type", "application/json").end(body).onFailure(done::tryFail);
    });
    Throwable failure = await(done.future().transform(ar -> Future.succeededFuture(ar.cause())));
    return new Streamed(received.toString(), failure);
  }

  static List<SseEvent> sse(String body) {
    List<SseEvent> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      if (block.isBlank()) {
        continue;
      }
      String event = null;
      StringBuilder data = new StringBuilder();
      for (String line : block.split("\n")) {
        if (line.startsWith("event: ")) {
          event = line.substring("event: ".length());
        } else if (line.startsWith("data: ")) {
          data.append(line.substring("data: ".length()));
        } else {
          throw new AssertionError("not an SSE line: " + line);
        }
      }
      events.add(new SseEvent(event, data.toString()));
    }
    return events;
  }

  /** Completes when {@code condition} holds, checking every 10 ms on a Vert.x timer. */
  Future<Void> eventually(BooleanSupplier condition) {
    Promise<Void> promise = Promise.promise();
    vertx.setPeriodic(10, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        promise.tryComplete();
      }
    });
    return promise.future();
  }
}
