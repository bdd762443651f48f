package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseItem;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.http.GatewayServer;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayProcess;
import dev.rebound.gateway.testing.HandTurnedTimers;
import dev.rebound.gateway.testing.MutableClock;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background responses through real sockets: accepted as queued, run by the recovery engine with the job's deadline as
 * its wait budget (a 429 whose reset is two hours away, an open breaker's next probe: waited out on hand-turned
 * timers), taken over by a restarted gateway (after a stop, and after a SIGKILL mid-answer) and by another gateway on
 * the same Redis, cancelled, and streamed again from a sequence number.
 */
class BackgroundResponsesTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - name: chat
          protocol: openai
          url: ${MOCK_URL}
          models: [ { name: qwen-coder, contextWindow: 32768, maxOutputTokens: 2048 } ]
      agents:
        - { name: chat, backend: chat, model: qwen-coder }
      routes:
        - { name: all, match: { model: "*" }, agents: [chat] }
      resilience: { retry: { baseDelay: 10ms, maxAttempts: 3 }, breaker: { failureThreshold: 1000 }, waitBudget: 5s }
      responses: { background: { deadline: 6h, lease: 3s, pollInterval: 100ms } }
      """;

  @TempDir
  Path dir;
  Vertx vertx;
  /** Polls the test's conditions (which block on HTTP calls) off the gateway's event loops. */
  Vertx poller;
  MockLlmServer mock;
  int mockPort;
  MutableClock clock;
  final List<GatewayServer> gateways = new ArrayList<>();
  final List<GatewayEvent> events = new CopyOnWriteArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  Process redis;
  /** A gateway run as its own process (killed with SIGKILL by a test); null when the test runs none. */
  Process gatewayProcess;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    poller = Vertx.vertx();
    mock = new MockLlmServer(vertx, MockLlmOptions.defaults().withSpeaks(java.util.Set.of(MockLlmOptions.OPENAI)).withPort(0));
    mockPort = mock.start().await();
    clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
  }

  @AfterEach
  void stop() {
    if (gatewayProcess != null) gatewayProcess.destroyForcibly();
    for (GatewayServer g : gateways) g.stop().await();
    vertx.close().await();
    poller.close().await();
    if (redis != null) redis.destroy();
  }

  ReboundConfig config(String store) {
    return new ConfigLoader(Map.of("MOCK_URL", "http://127.0.0.1:" + mockPort)).parse(CONFIG + store, "test config");
  }

  String embedded() {
    return "store: { type: embedded, path: \"" + dir.resolve("store") + "\" }\n";
  }

  /** A gateway on {@code store}; {@code timers} null: real Vert.x timers. */
  GatewayServer gateway(String store, Clock clock, HandTurnedTimers timers) {
    return gateway(store, clock, timers, 0);
  }

  /** The same, listening on {@code port} (0: any free one). */
  GatewayServer gateway(String store, Clock clock, HandTurnedTimers timers, int port) {
    return gateway(CONFIG, store, clock, timers, port);
  }

  /** The same on {@code base} (CONFIG, or a variation of it) instead of CONFIG. */
  GatewayServer gateway(String base, String store, Clock clock, HandTurnedTimers timers, int port) {
    ReboundConfig config = new ConfigLoader(Map.of("MOCK_URL", "http://127.0.0.1:" + mockPort))
        .parse(base.replace("port: 0", "port: " + port) + store, "test config");
    GatewayServer g = new GatewayServer(vertx, config, events::add, clock);
    if (timers != null) g.timers(timers);
    ports.put(g, g.start().await());
    gateways.add(g);
    return g;
  }

  final Map<GatewayServer, Integer> ports = new java.util.concurrent.ConcurrentHashMap<>();

  int port(GatewayServer g) {
    return ports.get(g);
  }

  HttpResponse<String> post(GatewayServer g, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(g) + path))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(GatewayServer g, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(g) + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonObject object(GatewayServer g, String id) {
    try {
      HttpResponse<String> r = get(g, "/v1/responses/" + id);
      assertEquals(200, r.statusCode(), r.body());
      return new JsonObject(r.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  JsonObject admin(GatewayServer g, String id) {
    try {
      HttpResponse<String> r = get(g, "/admin/responses/background/" + id);
      assertEquals(200, r.statusCode(), r.body());
      return new JsonObject(r.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Accepts a background response whose prompt carries {@code marker}; returns its id. */
  String accept(GatewayServer g, String marker) throws Exception {
    HttpResponse<String> r = post(g, "/v1/responses", new JsonObject().put("model", "chat-model")
        .put("input", "Say hello " + marker).put("background", true).encode());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject queued = new JsonObject(r.body());
    assertEquals("queued", queued.getString("status"));
    assertEquals(true, queued.getBoolean("background"));
    return queued.getString("id");
  }

  void rateLimitedFor(String marker, long seconds) {
    mock.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", marker))
        .put("times", 1).put("status", 429).put("headers", new JsonObject().put("retry-after", String.valueOf(seconds)))
        .put("body", new JsonObject().put("error", new JsonObject().put("message", "Rate limit reached; try again later.")
            .put("type", "requests").put("code", "rate_limit_exceeded")))));
  }

  long modelCalls() {
    long n = 0;
    for (Object o : mock.requests()) if ("POST".equals(((JsonObject) o).getString("method"))) n++;
    return n;
  }

  void awaitStatus(GatewayServer g, String id, String status) {
    Eventually.await(poller, 15_000, id + " " + status, () -> status.equals(object(g, id).getString("status")));
  }

  void awaitWait(HandTurnedTimers timers, Duration wait) {
    try {
      Eventually.await(poller, 15_000, "the run to wait " + wait, () -> timers.pending().contains(wait));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; timers " + timers.pending() + "; events: "
          + events.stream().map(x -> x.type() + " " + x.reason()).toList(), e);
    }
  }

  static String text(JsonObject response) {
    StringBuilder b = new StringBuilder();
    for (Object item : response.getJsonArray("output")) {
      JsonObject i = (JsonObject) item;
      if (!"message".equals(i.getString("type"))) continue;
      for (Object part : i.getJsonArray("content")) b.append(((JsonObject) part).getString("text", ""));
    }
    return b.toString();
  }

  @Test
  void theOpenAiSdkCreatesABackgroundResponseAndPollsItToItsAnswer() {
    GatewayServer g = gateway(embedded(), Clock.systemUTC(), null);
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port(g) + "/v1").apiKey("k")
        .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    Response queued = client.responses().create(ResponseCreateParams.builder().model("chat-model")
        .input("Say hello from the background").background(true).build());
    assertEquals(ResponseStatus.QUEUED, queued.status().orElseThrow());
    assertEquals(true, queued.background().orElseThrow());
    Response[] last = {null};
    Eventually.await(poller, 15_000, "the background response to complete", () -> {
      last[0] = client.responses().retrieve(queued.id());
      return ResponseStatus.COMPLETED.equals(last[0].status().orElseThrow());
    });
    Response done = last[0];
    assertEquals(queued.id(), done.id());
    StringBuilder text = new StringBuilder();
    done.output().forEach(i -> i.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> text.append(t.text())))));
    assertFalse(text.toString().isBlank(), "the answer has text");
    JsonObject upstream = (JsonObject) mock.requests().getValue(mock.requests().size() - 1);
    assertEquals("/v1/chat/completions", upstream.getString("path"), "a Responses client served by a Chat backend");
  }

  OpenAIClient sdk(GatewayServer g) {
    return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port(g) + "/v1").apiKey("k").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  /** Polls with the SDK until the response is completed; returns it. */
  Response pollToCompleted(OpenAIClient client, String id) {
    Response[] last = {null};
    Eventually.await(poller, 15_000, id + " to complete", () -> {
      last[0] = client.responses().retrieve(id);
      return ResponseStatus.COMPLETED.equals(last[0].status().orElseThrow());
    });
    return last[0];
  }

  static String sdkText(Response r) {
    StringBuilder text = new StringBuilder();
    r.output().forEach(i -> i.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> text.append(t.text())))));
    return text.toString();
  }

  static String inputText(ResponseItem item) {
    return item.asResponseInputMessageItem().content().get(0).asInputText().text();
  }

  @Test
  void aFinishedBackgroundResponseIsContinuedListedAndDeletedByItsOwnIdWithTheOpenAiSdk() throws Exception {
    GatewayServer g = gateway(embedded(), Clock.systemUTC(), null);
    OpenAIClient client = sdk(g);
    Response queued = client.responses().create(ResponseCreateParams.builder().model("chat-model")
        .input("Remember the word kumquat").background(true).build());
    Response first = pollToCompleted(client, queued.id());
    assertEquals(queued.id(), first.id());

    // the job names the session its run started, and the kept response is its turn there
    String session = admin(g, queued.id()).getString("sessionId");
    assertNotNull(session, "the job's session is written back");
    JsonObject kept = new JsonObject(get(g, "/admin/responses/" + queued.id()).body());
    assertEquals(session, kept.getString("session"), kept.encode());
    assertEquals(1, kept.getInteger("turn"));

    // a background response goes on from it, and a plain one from that
    Response queuedSecond = client.responses().create(ResponseCreateParams.builder().model("chat-model")
        .previousResponseId(queued.id()).input("Now spell it backwards").background(true).build());
    Response second = pollToCompleted(client, queuedSecond.id());
    JsonArray sent = ((JsonObject) mock.requests().getValue(mock.requests().size() - 1)).getJsonObject("body")
        .getJsonArray("messages");
    assertEquals(3, sent.size(), "the first turn prepended: " + sent.encode());
    assertTrue(sent.getJsonObject(0).getString("content").contains("kumquat"), sent.encode());
    assertEquals(sdkText(first), sent.getJsonObject(1).getString("content"));
    assertEquals(session, admin(g, queuedSecond.id()).getString("sessionId"), "the same session goes on");

    Response third = client.responses().create(ResponseCreateParams.builder().model("chat-model")
        .previousResponseId(second.id()).input("Thanks").build());
    assertEquals(ResponseStatus.COMPLETED, third.status().orElseThrow());
    sent = ((JsonObject) mock.requests().getValue(mock.requests().size() - 1)).getJsonObject("body").getJsonArray("messages");
    assertEquals(5, sent.size(), sent.encode());

    // input_items of a background id: what it was made from
    List<ResponseItem> ofFirst = client.responses().inputItems().list(queued.id()).data();
    assertEquals(1, ofFirst.size(), ofFirst.toString());
    assertEquals("Remember the word kumquat", inputText(ofFirst.get(0)));
    List<ResponseItem> ofSecond = client.responses().inputItems().list(second.id()).data();
    assertEquals(3, ofSecond.size(), ofSecond.toString());
    assertEquals("Now spell it backwards", inputText(ofSecond.get(0)));

    // DELETE: the job and the kept response go; the id can no longer be read or continued
    client.responses().delete(queued.id());
    assertThrows(NotFoundException.class, () -> client.responses().retrieve(queued.id()));
    assertThrows(NotFoundException.class, () -> client.responses().inputItems().list(queued.id()));
    BadRequestException gone = assertThrows(BadRequestException.class, () -> client.responses().create(
        ResponseCreateParams.builder().model("chat-model").previousResponseId(queued.id()).input("again").build()));
    assertEquals("previous_response_not_found", gone.code().orElseThrow());
    assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(g) + "/v1/responses/"
        + queued.id())).DELETE().build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "deleted once");
    assertEquals(second.id(), client.responses().retrieve(second.id()).id(), "the others stay");
  }

  @Test
  void aDeletedFailedBackgroundResponseIsGoneThoughItKeptNoAnswer() throws Exception {
    GatewayServer g = gateway(embedded(), Clock.systemUTC(), null);
    mock.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", "refuse-me"))
        .put("times", 1).put("status", 400).put("body", new JsonObject().put("error", new JsonObject()
            .put("message", "bad request").put("type", "invalid_request_error")))));
    String id = accept(g, "refuse-me");
    awaitStatus(g, id, "failed");
    HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(g)
        + "/v1/responses/" + id)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertEquals(new JsonObject().put("id", id).put("object", "response.deleted").put("deleted", true),
        new JsonObject(deleted.body()));
    assertEquals(404, get(g, "/v1/responses/" + id).statusCode());
    assertEquals(404, get(g, "/admin/responses/background/" + id).statusCode());
  }

  @Test
  void aBackgroundResponseDeletedWhileItsRunIsAnsweringStaysDeleted() throws Exception {
    GatewayServer g = gateway(embedded(), Clock.systemUTC(), null);
    String base = "http://127.0.0.1:" + port(g);
    String[] slow = {"content-type", "application/json", "x-mock-reply-words", "60", "x-mock-chunk-delay-ms", "30"};
    HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses")).headers(slow)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "chat-model")
            .put("input", "Say hello deleted-mid-answer").put("background", true).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, accepted.statusCode(), accepted.body());
    String id = new JsonObject(accepted.body()).getString("id");
    Eventually.await(poller, 15_000, "output to be written",
        () -> admin(g, id).getInteger("events") >= 8);
    HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses/" + id)).DELETE()
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, deleted.statusCode(), deleted.body());
    // the run stops (its client, the recording, is gone) and stores what it had of the cut answer: not as a response
    // kept by the deleted id
    Eventually.await(poller, 15_000, "the run to store its cut answer", () -> events.stream().anyMatch(e ->
        id.equals(e.requestId()) && e.type() == dev.rebound.gateway.events.EventType.CHECKPOINT));
    assertEquals(404, get(g, "/v1/responses/" + id).statusCode(), get(g, "/v1/responses/" + id).body());
    assertEquals(404, get(g, "/admin/responses/" + id).statusCode());
  }

  @Test
  void aResponseKeptByAJobDeletedElsewhereWhileItsRunEndsIsDeletedByTheRun() throws Exception {
    GatewayServer g = gateway(embedded(), Clock.systemUTC(), null);
    String base = "http://127.0.0.1:" + port(g);
    String[] slow = {"content-type", "application/json", "x-mock-reply-words", "60", "x-mock-chunk-delay-ms", "30"};
    HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses")).headers(slow)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "chat-model")
            .put("input", "Say hello deleted-elsewhere").put("background", true).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, accepted.statusCode(), accepted.body());
    String id = new JsonObject(accepted.body()).getString("id");
    Eventually.await(poller, 15_000, "output to be written", () -> admin(g, id).getInteger("events") >= 8);
    // another gateway on the store deletes the job, and this run's way out keeps a response by its id after that
    // DELETE deleted what was kept: the order a race between the two can take
    assertTrue(g.background().store().delete("default", id).await());
    g.store().putResponse(new dev.rebound.store.StoredResponse("default", id, "kept-late", 1,
        new JsonObject().put("id", id).put("object", "response").put("status", "completed").encode(),
        Instant.now())).await();
    assertEquals(200, get(g, "/v1/responses/" + id).statusCode());
    // the run learns on its next write that its job is gone, stops, and deletes what is kept by the job's id
    Eventually.await(poller, 15_000, "the kept response to be deleted",
        () -> getAt(base, "/v1/responses/" + id).statusCode() == 404);
    Eventually.await(poller, 15_000, "the deletion to be said", () -> events.stream().anyMatch(e ->
        id.equals(e.requestId()) && e.reason().contains("the response the run kept by its id is deleted too")));
  }

  @Test
  void aBackgroundJobWaitsOutA429WhoseResetIsFarBeyondTheWaitBudgetOfARequest() throws Exception {
    HandTurnedTimers timers = new HandTurnedTimers(clock);
    GatewayServer g = gateway(embedded(), clock, timers);
    // half an hour: a request with a client waiting (resilience.waitBudget 5s) would give up at once
    rateLimitedFor("half-hour", 1800);
    String id = accept(g, "half-hour");
    awaitWait(timers, Duration.ofMinutes(30));
    assertEquals("in_progress", object(g, id).getString("status"));
    assertEquals(1, modelCalls());

    JsonObject job = admin(g, id);
    assertEquals("in_progress", job.getString("status"));
    assertTrue(Instant.parse(job.getString("deadline")).isAfter(clock.instant().plus(Duration.ofHours(5))), job.encode());
    Eventually.await(poller, 15_000, "the wait to be noted", () -> admin(g, id).getJsonArray("decisions").stream()
        .anyMatch(n -> "wait".equals(((JsonObject) n).getString("type"))
            && ((JsonObject) n).getString("reason").contains("30m")));

    timers.advance(Duration.ofMinutes(30));
    awaitStatus(g, id, "completed");
    assertFalse(text(object(g, id)).isBlank());
    assertEquals(2, modelCalls(), "the 429, then the answer");
    JsonObject finished = admin(g, id);
    assertEquals(2, finished.getInteger("attempts"));
    assertEquals(1, finished.getInteger("runs"));
    assertEquals(0, finished.getInteger("replays"));
    assertTrue(events.stream().anyMatch(e -> e.type().id().equals("background") && e.reason().contains("completed")));
  }

  @Test
  void aBackgroundJobOutlastsASpentQuotaByReplayingWhenItResetsTwoHoursLater() throws Exception {
    GatewayServer g = gateway(embedded(), clock, null);
    // a 429 that asks for two hours is a spent quota: the run gives up, the job is replayed at the reset
    rateLimitedFor("two-hours", 7200);
    String id = accept(g, "two-hours");
    Eventually.await(poller, 15_000, "the replay to be scheduled", () -> "queued".equals(admin(g, id).getString("status"))
        && admin(g, id).getInteger("runs") == 1);
    JsonObject waiting = admin(g, id);
    assertEquals(clock.instant().plus(Duration.ofHours(2)), Instant.parse(waiting.getString("notBefore")), waiting.encode());
    assertTrue(waiting.getJsonArray("decisions").stream().anyMatch(n -> ((JsonObject) n).getString("reason")
        .contains("replay #1") && ((JsonObject) n).getString("reason").contains("in 2h")), waiting.encode());
    assertEquals("queued", object(g, id).getString("status"));

    clock.advance(Duration.ofMinutes(119));
    assertEquals(1, modelCalls(), "not replayed before the reset");
    clock.advance(Duration.ofMinutes(1));
    awaitStatus(g, id, "completed");
    assertFalse(text(object(g, id)).isBlank());
    JsonObject done = admin(g, id);
    assertEquals(2, done.getInteger("runs"));
    assertEquals(1, done.getInteger("replays"));
    assertEquals(2, done.getInteger("attempts"));
    assertEquals(2, modelCalls());
    // the replay went on in the session the first run started: the question once, then the answer
    JsonObject session = new JsonObject(get(g, "/admin/sessions/" + done.getString("sessionId")).body());
    List<String> roles = session.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("role")).toList();
    assertEquals(List.of("user", "assistant"), roles, session.encode());
  }

  @Test
  void aJobIsTakenOverByTheRestartedGatewayOnTheSameEmbeddedStore() throws Exception {
    HandTurnedTimers timers = new HandTurnedTimers(clock);
    GatewayServer first = gateway(embedded(), clock, timers);
    rateLimitedFor("restart", 1800);
    String id = accept(first, "restart");
    awaitWait(timers, Duration.ofMinutes(30));
    first.stop().await();
    gateways.remove(first);

    GatewayServer second = gateway(embedded(), clock, null);
    awaitStatus(second, id, "completed");
    assertFalse(text(object(second, id)).isBlank());
    JsonObject job = admin(second, id);
    assertEquals(2, job.getInteger("runs"), job.encode());
    assertEquals(1, job.getInteger("replays"));
    assertTrue(job.getJsonArray("decisions").stream().anyMatch(n -> ((JsonObject) n).getString("reason")
        .contains("the gateway stops")), job.encode());
  }

  @Test
  void theOpenAiSdkPollsABackgroundResponseAcrossAGatewayRestartAndGoesOnFromIt() throws Exception {
    int port = TestRedis.freePort();
    HandTurnedTimers timers = new HandTurnedTimers(clock);
    GatewayServer first = gateway(embedded(), clock, timers, port);
    OpenAIClient client = sdk(first);
    rateLimitedFor("sdk-restart", 1800);
    Response queued = client.responses().create(ResponseCreateParams.builder().model("chat-model")
        .input("Say hello sdk-restart").background(true).build());
    awaitWait(timers, Duration.ofMinutes(30));
    assertEquals(ResponseStatus.IN_PROGRESS, client.responses().retrieve(queued.id()).status().orElseThrow());
    first.stop().await();
    gateways.remove(first);

    // the same address, the same embedded store: the client polls on as if nothing happened
    GatewayServer second = gateway(embedded(), clock, null, port);
    assertEquals(port, port(second));
    Response done = pollToCompleted(client, queued.id());
    assertEquals(queued.id(), done.id());
    assertFalse(sdkText(done).isBlank());
    assertEquals(2, admin(second, queued.id()).getInteger("runs"), "taken over by the restarted gateway");

    Response next = client.responses().create(ResponseCreateParams.builder().model("chat-model")
        .previousResponseId(queued.id()).input("And goodbye").build());
    assertEquals(ResponseStatus.COMPLETED, next.status().orElseThrow());
    JsonArray sent = ((JsonObject) mock.requests().getValue(mock.requests().size() - 1)).getJsonObject("body")
        .getJsonArray("messages");
    assertEquals(3, sent.size(), sent.encode());
    assertEquals(sdkText(done), sent.getJsonObject(1).getString("content"));
  }

  @Test
  void aRunStoppedAfterOutputBeganIsContinuedByTheRestartedGatewayInTheSameResponseAndItem() throws Exception {
    GatewayServer plain = gateway(embedded(), Clock.systemUTC(), null);
    JsonObject whole = new JsonObject(post(plain, "/v1/responses", new JsonObject().put("model", "chat-model")
        .put("input", "Say hello resume-me").put("store", false).encode()).body());
    String wholeText = text(whole);
    plain.stop().await();
    gateways.remove(plain);
    long callsBefore = modelCalls();

    // the answer stalls after three chunks: the gateway stops while it has half of it
    mock.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", "resume-me"))
        .put("times", 1).put("stallAfterChunks", 3).put("stallMs", 10_000)));
    GatewayServer first = gateway(embedded(), Clock.systemUTC(), null);
    String id = accept(first, "resume-me");
    // response.created, in_progress, output_item.added, content_part.added, then text deltas
    Eventually.await(poller, 15_000, "output to be recorded", () -> admin(first, id).getInteger("events") >= 6);
    first.stop().await();
    gateways.remove(first);

    GatewayServer second = gateway(embedded(), Clock.systemUTC(), null);
    awaitStatus(second, id, "completed");
    JsonObject done = object(second, id);
    assertEquals(wholeText, text(done), "the continuation goes on where the stop left off");
    assertEquals(2, admin(second, id).getInteger("runs"));
    assertEquals(callsBefore + 2, modelCalls());
    JsonObject last = (JsonObject) mock.requests().getValue(mock.requests().size() - 1);
    JsonArray messages = last.getJsonObject("body").getJsonArray("messages");
    assertTrue(messages.getJsonObject(messages.size() - 1).getString("content").startsWith("Continue your previous answer"),
        messages.encode());

    // one coherent response: one start, one message item, sequence numbers without a gap, the job's id throughout
    List<JsonObject> all = events(get(second, "/v1/responses/" + id + "?stream=true"));
    StringBuilder deltas = new StringBuilder();
    String itemId = null;
    for (int i = 0; i < all.size(); i++) {
      JsonObject e = all.get(i);
      assertEquals(i, e.getInteger("sequence_number"), e.encode());
      if (e.containsKey("response")) assertEquals(id, e.getJsonObject("response").getString("id"), e.encode());
      if ("response.output_text.delta".equals(e.getString("type"))) {
        deltas.append(e.getString("delta"));
        if (itemId == null) itemId = e.getString("item_id");
        assertEquals(itemId, e.getString("item_id"), "one item: " + e.encode());
      }
    }
    List<String> types = all.stream().map(e -> e.getString("type")).toList();
    assertEquals(1, types.stream().filter("response.created"::equals).count(), types.toString());
    assertEquals(1, types.stream().filter("response.output_item.added"::equals).count(), types.toString());
    assertEquals("response.completed", types.get(types.size() - 1));
    assertEquals(wholeText, deltas.toString());
    assertEquals(itemId, done.getJsonArray("output").getJsonObject(0).getString("id"));
    JsonObject session = new JsonObject(get(second, "/admin/sessions/" + admin(second, id).getString("sessionId")).body());
    List<String> roles = session.getJsonArray("messages").stream().filter(m -> !((JsonObject) m).getBoolean("partial"))
        .map(m -> ((JsonObject) m).getString("role")).toList();
    assertEquals(List.of("user", "assistant"), roles, session.encode());
  }

  @Test
  void aRunThatGivesUpAfterOutputBeganIsReplayedFromItsOutputIntoTheSameResponse() throws Exception {
    GatewayServer g = gateway(embedded(), clock, null);
    JsonObject whole = new JsonObject(post(g, "/v1/responses", new JsonObject().put("model", "chat-model")
        .put("input", "Say hello cut-thrice").put("store", false).encode()).body());
    // the answer and both continuations of the first run are cut (resilience.retry.maxAttempts 3): it gives up
    mock.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", "cut-thrice"))
        .put("times", 3).put("cutAfterChunks", 3)));
    String id = accept(g, "cut-thrice");
    Eventually.await(poller, 15_000, "the replay to be scheduled", () -> "queued".equals(admin(g, id).getString("status"))
        && admin(g, id).getInteger("runs") == 1);
    assertTrue(admin(g, id).getInteger("events") > 4, "output was recorded: " + admin(g, id).encode());
    clock.advance(Duration.ofSeconds(30)); // the first replay waits 30 s (no Retry-After)
    awaitStatus(g, id, "completed");
    assertEquals(text(whole), text(object(g, id)));
    List<JsonObject> all = events(get(g, "/v1/responses/" + id + "?stream=true"));
    for (int i = 0; i < all.size(); i++) assertEquals(i, all.get(i).getInteger("sequence_number"), all.get(i).encode());
    List<String> types = all.stream().map(e -> e.getString("type")).toList();
    assertEquals(1, types.stream().filter("response.created"::equals).count(), types.toString());
    assertEquals(1, types.stream().filter("response.output_item.added"::equals).count(), types.toString());
    assertFalse(types.contains("error"), types.toString());
    assertEquals(2, admin(g, id).getInteger("runs"));
  }

  String redisStore() throws Exception {
    int redisPort = TestRedis.freePort();
    Path redisDir = Files.createDirectories(dir.resolve("redis"));
    redis = TestRedis.start(poller, redisPort, redisDir, false);
    return TestRedis.storeConfig(redisPort);
  }

  @Test
  void aJobRunningOnOneGatewayIsCancelledThroughAnotherOnTheSameRedis() throws Exception {
    String store = redisStore();
    HandTurnedTimers timers = new HandTurnedTimers(clock);
    GatewayServer a = gateway(store, clock, timers);
    rateLimitedFor("cancel-elsewhere", 1800);
    String id = accept(a, "cancel-elsewhere");
    awaitWait(timers, Duration.ofMinutes(30));
    GatewayServer b = gateway(store, clock, null);

    HttpResponse<String> cancelled = post(b, "/v1/responses/" + id + "/cancel", "");
    assertEquals("cancelled", new JsonObject(cancelled.body()).getString("status"));
    // a hears it at its next write (its lease is renewed every third of it: 1 s here)
    Eventually.await(poller, 15_000, "a's run to stop", () -> a.background().running() == 0);
    assertTrue(timers.pending().isEmpty());
    assertEquals("cancelled", object(a, id).getString("status"));
    assertEquals(1, modelCalls());
    assertTrue(events.stream().anyMatch(e -> e.reason().contains("is no longer this gateway's (its status is cancelled)")));
  }

  @Test
  void anotherGatewayOnTheSameRedisTakesTheJobWhenTheFirstStops() throws Exception {
    String store = redisStore();
    HandTurnedTimers timers = new HandTurnedTimers(clock);
    GatewayServer a = gateway(store, clock, timers);
    rateLimitedFor("shared-redis", 1800);
    String id = accept(a, "shared-redis");
    awaitWait(timers, Duration.ofMinutes(30));
    GatewayServer b = gateway(store, clock, null);
    assertEquals("in_progress", object(b, id).getString("status"), "b reads the job a runs");
    assertEquals(0, b.background().running(), "a's lease holds");

    a.stop().await();
    gateways.remove(a);
    awaitStatus(b, id, "completed");
    assertFalse(text(object(b, id)).isBlank());
    assertEquals(2, admin(b, id).getInteger("runs"));
    assertEquals(2, modelCalls());
  }

  @Test
  void aCancelledJobStopsWaitingAndStaysCancelled() throws Exception {
    HandTurnedTimers timers = new HandTurnedTimers(clock);
    GatewayServer g = gateway(embedded(), clock, timers);
    rateLimitedFor("cancel-me", 1800);
    String id = accept(g, "cancel-me");
    awaitWait(timers, Duration.ofMinutes(30));

    HttpResponse<String> cancelled = post(g, "/v1/responses/" + id + "/cancel", "");
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("cancelled", new JsonObject(cancelled.body()).getString("status"));
    Eventually.await(poller, 15_000, "the run to stop", () -> g.background().running() == 0);
    assertTrue(timers.pending().isEmpty(), "its wait was dropped");
    timers.advance(Duration.ofHours(2));
    assertEquals("cancelled", object(g, id).getString("status"));
    assertEquals(1, modelCalls(), "nothing was sent after the cancel");
    assertEquals("cancelled", new JsonObject(post(g, "/v1/responses/" + id + "/cancel", "").body()).getString("status"));

    HttpResponse<String> unknown = post(g, "/v1/responses/resp_nothing/cancel", "");
    assertEquals(404, unknown.statusCode());
    JsonObject error = new JsonObject(unknown.body()).getJsonObject("error");
    assertTrue(error.getString("message").contains("only background responses can be cancelled"), error.encode());
    assertEquals(404, get(g, "/v1/responses/resp_nothing").statusCode());
  }

  @Test
  void aFinishedJobIsStreamedAgainFromTheSequenceNumberAfterStartingAfter() throws Exception {
    GatewayServer g = gateway(embedded(), Clock.systemUTC(), null);
    String id = accept(g, "stream-me");
    awaitStatus(g, id, "completed");

    List<JsonObject> all = events(get(g, "/v1/responses/" + id + "?stream=true"));
    assertEquals("response.created", all.get(0).getString("type"));
    assertEquals("response.completed", all.get(all.size() - 1).getString("type"));
    for (int i = 0; i < all.size(); i++) assertEquals(i, all.get(i).getInteger("sequence_number"));
    assertEquals(id, all.get(0).getJsonObject("response").getString("id"));
    assertEquals(id, all.get(all.size() - 1).getJsonObject("response").getString("id"));

    List<JsonObject> tail = events(get(g, "/v1/responses/" + id + "?stream=true&starting_after=2"));
    assertEquals(all.size() - 3, tail.size());
    assertEquals(3, tail.get(0).getInteger("sequence_number"));
    assertEquals(all.get(3), tail.get(0));

    HttpResponse<String> bad = get(g, "/v1/responses/" + id + "?stream=true&starting_after=x");
    assertEquals(400, bad.statusCode());
    assertEquals("starting_after", new JsonObject(bad.body()).getJsonObject("error").getString("param"));
  }

  @Test
  void aBackgroundRequestThatStreamsGetsTheJobsEventsAsTheRunRecordsThem() throws Exception {
    GatewayServer g = gateway(embedded(), Clock.systemUTC(), null);
    HttpResponse<String> r = post(g, "/v1/responses", new JsonObject().put("model", "chat-model")
        .put("input", "Say hello live").put("background", true).put("stream", true).encode());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<JsonObject> all = events(r);
    assertEquals("response.created", all.get(0).getString("type"));
    assertEquals("response.completed", all.get(all.size() - 1).getString("type"));
    String id = all.get(0).getJsonObject("response").getString("id");
    assertEquals("completed", object(g, id).getString("status"));
  }

  /** Decisions of a job (its admin view) whose type is {@code type} and whose reason contains {@code words}. */
  static List<String> decisions(JsonObject job, String type, String words) {
    return job.getJsonArray("decisions").stream().map(n -> (JsonObject) n)
        .filter(n -> type.equals(n.getString("type")) && n.getString("reason").contains(words))
        .map(n -> n.getString("reason")).toList();
  }

  List<Object> breakerMoves() {
    return events.stream().filter(e -> e.type().id().equals("breaker")).map(e -> e.fields().get("to")).toList();
  }

  @Test
  void aBackgroundJobWaitsOutAnOpenBreakerWhileOtherClientsAreRefusedAndCompletesWhenTheBackendAnswersAgain()
      throws Exception {
    // three failing requests open the breaker; its first probe is a minute away, far past a client's wait budget (5 s)
    String breakerConfig = CONFIG.replace(
        "resilience: { retry: { baseDelay: 10ms, maxAttempts: 3 }, breaker: { failureThreshold: 1000 }",
        "resilience: { retry: { baseDelay: 10ms, maxAttempts: 1 }, "
            + "breaker: { failureThreshold: 3, firstProbeAfter: 1m, resetTimeout: 10m, halfOpenCalls: 1 }");
    assertTrue(breakerConfig.contains("failureThreshold: 3"), "the breaker is configured");
    HandTurnedTimers timers = new HandTurnedTimers(clock);
    GatewayServer g = gateway(breakerConfig, embedded(), clock, timers, 0);
    String whole = text(new JsonObject(post(g, "/v1/responses", new JsonObject().put("model", "chat-model")
        .put("input", "Say hello outage-job").put("store", false).encode()).body()));
    assertFalse(whole.isBlank());

    // the backend fails: first the job's run (replayed in 30 s, no Retry-After), then two other clients' requests
    mock.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", "outage"))
        .put("times", 3).put("status", 500)));
    String id = accept(g, "outage-job");
    Eventually.await(poller, 15_000, "the replay to be scheduled", () -> "queued".equals(admin(g, id).getString("status"))
        && admin(g, id).getInteger("runs") == 1);
    assertEquals(clock.instant().plus(Duration.ofSeconds(30)), Instant.parse(admin(g, id).getString("notBefore")));
    for (int i = 1; i <= 2; i++) {
      HttpResponse<String> failed = post(g, "/v1/responses", new JsonObject().put("model", "chat-model")
          .put("input", "Say hello outage client " + i).put("store", false).encode());
      assertEquals(502, failed.statusCode(), failed.body());
    }
    assertEquals(List.of("OPEN"), breakerMoves());

    // the job is due before the probe: its run waits for the probe (half a minute), while a client is refused
    timers.advance(Duration.ofSeconds(30));
    awaitWait(timers, Duration.ofMillis(30_001));
    HttpResponse<String> refused = post(g, "/v1/responses", new JsonObject().put("model", "chat-model")
        .put("input", "Say hello impatient client").put("store", false).encode());
    assertEquals(503, refused.statusCode(), refused.body());
    assertEquals("circuit_open", new JsonObject(refused.body()).getJsonObject("error").getString("code"), refused.body());
    assertEquals("in_progress", object(g, id).getString("status"), "the job waits, it does not fail");
    Eventually.await(poller, 15_000, "the wait for the probe to be noted",
        () -> !decisions(admin(g, id), "wait", "next probe").isEmpty());
    assertEquals(4, modelCalls(), "the answer, the job's 500, two clients' 500s: nothing while the breaker is open");

    // the probe is the job's own request: the backend answers, the breaker closes, the job completes
    timers.advance(Duration.ofMillis(30_001));
    awaitStatus(g, id, "completed");
    assertEquals(whole, text(object(g, id)));
    assertEquals(List.of("OPEN", "HALF_OPEN", "CLOSED"), breakerMoves());
    assertEquals(5, modelCalls());
    JsonObject job = admin(g, id);
    assertEquals("completed", job.getString("status"), job.encode());
    assertEquals(2, job.getInteger("runs"), job.encode());
    assertEquals(1, job.getInteger("replays"), job.encode());
    assertEquals(2, job.getInteger("attempts"), "the 500, then the probe that answered: " + job.encode());
    assertEquals(1, decisions(job, "failure", "The server had an error").size(), "the backend's 500: " + job.encode());
    assertEquals(1, decisions(job, "background", "run #1 ended with 502").size(), job.encode());
    assertEquals(1, decisions(job, "background", "replay #1 of background response " + id + " in 30s").size(), job.encode());
    assertEquals(1, decisions(job, "wait", "no other agent can serve, so this request waits for the breaker's next probe")
        .size(), job.encode());
    String failedForGood = "background response " + id + " failed";
    assertTrue(decisions(job, "background", failedForGood).isEmpty(), job.encode());
    assertTrue(events.stream().noneMatch(e -> e.reason().contains(failedForGood)),
        "the job never failed: " + events.stream().map(e -> e.type().id() + " " + e.reason()).toList());
  }

  @Test
  void aGatewayKilledMidAnswerLeavesTheJobToItsRestartWhichGoesOnFromTheEventsLastWritten() throws Exception {
    int port = TestRedis.freePort();
    String base = "http://127.0.0.1:" + port;
    Path config = dir.resolve("rebound.yaml");
    // the lease is 3 s: the restarted gateway takes the dead one's job within seconds of the kill
    Files.writeString(config, CONFIG.replace("port: 0", "port: " + port)
        .replace("${MOCK_URL}", "http://127.0.0.1:" + mockPort) + embedded());
    Path log = dir.resolve("gateway.log");
    startGatewayProcess(config, log, base);

    // a long answer streamed slowly (60 words, 40 ms apart): the kill comes while it is being written
    String[] slow = {"content-type", "application/json", "x-mock-reply-words", "60", "x-mock-chunk-delay-ms", "40"};
    HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses")).headers(slow)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "chat-model")
            .put("input", "Say hello killed-mid-answer").put("store", false).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, plain.statusCode(), plain.body());
    String whole = text(new JsonObject(plain.body()));
    assertEquals(60, whole.split(" ").length, whole);
    long callsBefore = modelCalls();

    HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/responses")).headers(slow)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "chat-model")
            .put("input", "Say hello killed-mid-answer").put("background", true).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, accepted.statusCode(), accepted.body());
    String id = new JsonObject(accepted.body()).getString("id");
    // response.created, in_progress, output_item.added, content_part.added, then at least eight text deltas on disk (the
    // admin API counts a write in flight too, which a kill loses: the file is what a restart finds)
    Path eventsFile = dir.resolve("store").resolve("background").resolve(id + ".events");
    int[] written = {0};
    Eventually.await(poller, 15_000, "output to be written", () -> {
      try {
        written[0] = Files.exists(eventsFile) ? Files.readAllLines(eventsFile).size() : 0;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return written[0] >= 12;
    });
    gatewayProcess.destroyForcibly().waitFor(); // SIGKILL: no stop, no last write, the lease left to run out
    assertTrue(written[0] < 4 + 60, "killed before the answer was done: " + written[0] + " events written");

    startGatewayProcess(config, log, base);
    Eventually.await(poller, 30_000, id + " to complete",
        () -> "completed".equals(new JsonObject(getAt(base, "/v1/responses/" + id).body()).getString("status")));
    JsonObject done = new JsonObject(getAt(base, "/v1/responses/" + id).body());
    assertEquals(whole, text(done), "the continuation goes on where the written events left off");

    JsonObject job = new JsonObject(getAt(base, "/admin/responses/background/" + id).body());
    assertEquals(2, job.getInteger("runs"), job.encode());
    List<String> resumed = decisions(job, "background", "it goes on from the");
    assertEquals(1, resumed.size(), job.encode());
    // how many events the restart found: those on disk at the kill
    java.util.regex.Matcher found = java.util.regex.Pattern.compile("it goes on from the (\\d+) event").matcher(resumed.get(0));
    assertTrue(found.find(), resumed.get(0));
    int recorded = Integer.parseInt(found.group(1));
    // at least those seen on disk (more when a write came between the look and the kill)
    assertTrue(recorded >= written[0], recorded + " events found, " + written[0] + " seen on disk");
    // the run on the restarted gateway says whose job it took, and why it could
    assertEquals(1, decisions(job, "background", "replay #1 (taken over from gateway ").size(), job.encode());
    assertEquals(callsBefore + 2, modelCalls(), "the dead run's request, then the continuation");
    JsonArray messages = ((JsonObject) mock.requests().getValue(mock.requests().size() - 1)).getJsonObject("body")
        .getJsonArray("messages");
    String partial = messages.getJsonObject(messages.size() - 2).getString("content");
    assertEquals("assistant", messages.getJsonObject(messages.size() - 2).getString("role"), messages.encode());
    assertTrue(whole.startsWith(partial) && partial.length() < whole.length(), "the partial answer: " + partial);
    // the text of every delta the restart found (the first four events are the response's and its item's starts)
    assertTrue(partial.split(" ").length >= recorded - 4, recorded + " events found, the partial: " + partial);
    assertTrue(messages.getJsonObject(messages.size() - 1).getString("content").startsWith("Continue your previous answer"),
        messages.encode());

    // one answer: one start, one message item, sequence numbers without a gap or a repeat, the job's id throughout
    List<JsonObject> all = events(getAt(base, "/v1/responses/" + id + "?stream=true"));
    StringBuilder deltas = new StringBuilder();
    String itemId = done.getJsonArray("output").getJsonObject(0).getString("id");
    for (int i = 0; i < all.size(); i++) {
      JsonObject e = all.get(i);
      assertEquals(i, e.getInteger("sequence_number"), e.encode());
      if (e.containsKey("response")) assertEquals(id, e.getJsonObject("response").getString("id"), e.encode());
      if ("response.output_text.delta".equals(e.getString("type"))) {
        deltas.append(e.getString("delta"));
        assertEquals(itemId, e.getString("item_id"), "one item: " + e.encode());
      }
    }
    List<String> types = all.stream().map(e -> e.getString("type")).toList();
    assertEquals(1, types.stream().filter("response.created"::equals).count(), types.toString());
    assertEquals(1, types.stream().filter("response.output_item.added"::equals).count(), types.toString());
    assertEquals(1, types.stream().filter("response.completed"::equals).count(), types.toString());
    assertEquals("response.completed", types.get(types.size() - 1));
    assertFalse(types.contains("error"), types.toString());
    assertEquals(whole, deltas.toString());
    List<JsonObject> afterFirst = events(getAt(base, "/v1/responses/" + id + "?stream=true&starting_after=0"));
    assertEquals(all.subList(1, all.size()), afterFirst, "starting_after=0: everything but response.created");

    // the session holds the question once, then the whole answer once
    JsonObject session = new JsonObject(getAt(base, "/admin/sessions/" + job.getString("sessionId")).body());
    List<JsonObject> kept = session.getJsonArray("messages").stream().map(m -> (JsonObject) m)
        .filter(m -> !m.getBoolean("partial", false)).toList();
    assertEquals(List.of("user", "assistant"), kept.stream().map(m -> m.getString("role")).toList(), session.encode());
    assertTrue(kept.get(1).encode().contains(whole), session.encode());
  }

  void startGatewayProcess(Path config, Path log, String base) throws Exception {
    gatewayProcess = GatewayProcess.start(config, log, "-Xmx256m");
    try {
      GatewayProcess.awaitUp(poller, base, "the gateway process to answer");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; its log:\n" + Files.readString(log), e);
    }
  }

  /** GET on a gateway run as its own process (unchecked: conditions of Eventually call it). */
  HttpResponse<String> getAt(String base, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static List<JsonObject> events(HttpResponse<String> sse) {
    assertEquals(200, sse.statusCode(), sse.body());
    List<JsonObject> out = new ArrayList<>();
    for (String line : sse.body().split("\n")) if (line.startsWith("data: ")) out.add(new JsonObject(line.substring(6)));
    assertNotNull(out);
    return out;
  }
}
