package dev.rebound.gateway.background;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.store.JobProgress;
import dev.rebound.store.ResponseJob;
import dev.rebound.store.ResponseJobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A background response's stream, read through a real socket while its store is slower than its count. */
class BackgroundLookupTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /**
   * A store that counts a job's events before they are readable, as the embedded one does while its disk write is
   * under way: the job says five, three can be read until the write lands.
   */
  static final class SlowDisk implements ResponseJobStore {
    final List<String> events = new ArrayList<>();
    volatile int readable = 3;
    final AtomicInteger reads = new AtomicInteger();
    final ResponseJob job;

    SlowDisk() {
      for (int i = 0; i < 5; i++) {
        events.add("{\"type\":\"response.output_text.delta\",\"delta\":\"part " + i + "\",\"sequence_number\":" + i + "}");
      }
      Instant t = Instant.parse("2026-12-05T08:00:00Z");
      job = new ResponseJob("resp_1", "default", ResponseJob.COMPLETED, "{}", "{}", null, t, t.plusSeconds(60), null,
          null, t, 1, 1, "{}", events.size(), null);
    }

    @Override
    public Future<List<String>> events(String id, int from) {
      reads.incrementAndGet();
      return Future.succeededFuture(from >= readable ? List.of() : List.copyOf(events.subList(from, readable)));
    }

    @Override
    public Future<ResponseJob> get(String tenant, String id) {
      return Future.succeededFuture(job);
    }

    @Override
    public Future<ResponseJob> enqueue(ResponseJob job) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<ResponseJob> find(String id) {
      return Future.succeededFuture(job);
    }

    @Override
    public Future<ResponseJob> claim(String owner, Duration lease) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<ResponseJob> record(String id, String owner, Duration lease, JobProgress progress) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<ResponseJob> finish(String id, String owner, String status, JobProgress progress) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<ResponseJob> release(String id, String owner, Instant notBefore, JobProgress progress) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<ResponseJob> cancel(String tenant, String id, String reason) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Boolean> delete(String tenant, String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<List<String>> notes(String id) {
      return Future.succeededFuture(List.of());
    }

    @Override
    public Future<List<ResponseJob>> list(int limit) {
      return Future.succeededFuture(List.of(job));
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  @Test
  void aReaderOfAJobCountedAheadOfItsDiskWaitsForTheRestInsteadOfAskingAgainAtOnce() throws Exception {
    SlowDisk store = new SlowDisk();
    BackgroundJobs jobs = new BackgroundJobs(vertx, store, null, null, null, null, null, Clock.systemUTC());
    Router router = Router.router(vertx);
    router.get("/stream").handler(ctx -> jobs.lookup().stream(ctx, store.job, -1));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    // the write lands a moment later
    vertx.setTimer(300, id -> store.readable = 5);

    // bounded: a reader that stopped following would leave the stream open for ever
    HttpResponse<String> answer = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.actualPort() + "/stream")).build(),
        HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);

    assertEquals(200, answer.statusCode());
    List<String> data = answer.body().lines().filter(l -> l.startsWith("data: ")).toList();
    assertEquals(store.events.stream().map(e -> "data: " + e).toList(), data,
        "all five events in order, and no error: " + answer.body());
    assertTrue(store.reads.get() < 20, "it waited for the disk, it did not spin: " + store.reads.get() + " reads");
  }
}
