package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TcpSwitch;
import dev.rebound.gateway.testing.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With analytics.postgres set, the gateway writes the decisions about failures and their recovery to a real
 * PostgreSQL ({@link TestPostgres}): a retry, a fallback and a give-up become rows tied to their request ids, each
 * saying what was done and how the request ended. A PostgreSQL that hangs fails no request and slows none; its rows
 * are written once it answers.
 */
class PostgresAnalyticsTest {
  final Vertx poller = Vertx.vertx();
  final Pool reader = TestPostgres.pool(poller);
  final String table = TestPostgres.uniqueTable("gateway_error_events");
  final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) c.close();
    reader.query("DROP TABLE IF EXISTS " + table).execute().await();
    reader.close().await();
    poller.close().await();
  }

  GatewayHarness start(String url, String extra) {
    GatewayHarness h = GatewayHarness.start(RecoveryTest.CONFIG + "analytics:\n  postgres: { url: \"" + url + "\", table: "
        + table + ", flushInterval: 50ms" + extra + " }\n");
    closing.add(0, h);
    return h;
  }

  /** The table's rows of {@code requestId}, oldest first, once there are {@code n} of them. */
  List<JsonObject> rowsOf(String requestId, int n) {
    AtomicReference<List<JsonObject>> seen = new AtomicReference<>(List.of());
    Eventually.await(poller, 15_000, n + " rows of " + requestId, () -> {
      // asked without waiting, read at the next poll: the poll runs on an event loop
      // decisions made within the same microsecond: a failure comes before what was done about it, the end last
      reader.preparedQuery("SELECT * FROM " + table + " WHERE request_id = $1 ORDER BY at,"
              + " CASE event WHEN 'failure' THEN 0 WHEN 'answered' THEN 2 WHEN 'give-up' THEN 2 ELSE 1 END")
          .execute(Tuple.of(requestId))
          .onSuccess(rows -> {
            List<JsonObject> out = new ArrayList<>();
            for (Row r : rows) out.add(r.toJson());
            seen.set(out);
          });
      return seen.get().size() >= n;
    });
    return seen.get();
  }

  static List<String> column(List<JsonObject> rows, String name) {
    return rows.stream().map(r -> r.getValue(name) == null ? null : String.valueOf(r.getValue(name))).toList();
  }

  @Test
  void aRetryAFallbackAndAGiveUpBecomeRowsOfTheirRequestsSayingWhatWasDoneAndHowItEnded() throws Exception {
    GatewayHarness h = start(TestPostgres.url(), "");
    h.fault(RecoveryTest.fault("retry-me").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "0")));
    assertEquals(200, MetricsTest.chat(h, "gpt-4o", "retry-me", "x-request-id", "pg-retry-1").statusCode());
    h.fault(RecoveryTest.fault("doomed").put("times", 3).put("status", 500));
    assertEquals(500, MetricsTest.chat(h, "solo", "doomed", "x-request-id", "pg-giveup-1").statusCode());
    h.fault(RecoveryTest.fault("quota").put("match", new JsonObject().put("contains", "quota").put("model", "gpt-4o"))
        .put("status", 429).put("body", new JsonObject().put("error", new JsonObject()
            .put("message", "You exceeded your current quota, please check your plan and billing details.")
            .put("type", "insufficient_quota").put("param", null).put("code", "insufficient_quota"))));
    assertEquals(200, MetricsTest.chat(h, "gpt-4o", "quota", "x-request-id", "pg-fallback-1").statusCode());
    assertEquals(200, MetricsTest.chat(h, "gpt-4o", "clean", "x-request-id", "pg-clean-1").statusCode());

    List<JsonObject> retry = rowsOf("pg-retry-1", 3);
    assertEquals(List.of("failure", "wait", "answered"), column(retry, "event"));
    JsonObject failure = retry.get(0);
    assertEquals("rate_limited", failure.getString("type"));
    assertEquals("low", failure.getString("severity"));
    assertEquals("primary", failure.getString("component"));
    assertEquals("main", failure.getString("agent"));
    assertTrue(failure.getString("message").contains("Rate limit reached"), failure.getString("message"));
    assertEquals("retry", failure.getString("recovery_strategy"));
    assertEquals(true, failure.getBoolean("success"));
    assertEquals(1, failure.getInteger("retry_count"));
    assertEquals("default", failure.getString("tenant"));
    assertEquals(429, failure.getJsonObject("details").getInteger("status"));
    JsonObject answered = retry.get(2);
    assertEquals("rate_limited", answered.getString("type"));
    assertEquals("retry", answered.getString("recovery_strategy"));
    assertEquals(true, answered.getBoolean("success"));
    assertEquals(1, answered.getInteger("retry_count"));
    assertTrue(answered.getLong("resolution_time_ms") >= 0 && answered.getLong("resolution_time_ms") < 10_000);

    List<JsonObject> giveUp = rowsOf("pg-giveup-1", 6);
    assertEquals(List.of("failure", "wait", "failure", "wait", "failure", "give-up"), column(giveUp, "event"));
    assertEquals(List.of("false", "false", "false", "false", "false", "false"), column(giveUp, "success"));
    assertEquals(List.of("2", "2", "1", "1", "0", "2"), column(giveUp, "retry_count"));
    JsonObject end = giveUp.get(5);
    assertEquals("server_error", end.getString("type"));
    assertEquals("high", end.getString("severity"));
    assertEquals("retry+give-up", end.getString("recovery_strategy"));

    List<JsonObject> fallback = rowsOf("pg-fallback-1", 3);
    assertEquals(List.of("failure", "fallback", "answered"), column(fallback, "event"));
    assertEquals(List.of("fallback", "fallback", "fallback"), column(fallback, "recovery_strategy"));
    assertEquals("quota_exhausted", fallback.get(0).getString("type"));
    assertEquals("secondary", fallback.get(2).getString("component"), "the answer came from the backup's backend");
    assertEquals("backup", fallback.get(2).getString("agent"));
    assertEquals(true, fallback.get(2).getBoolean("success"));

    long clean = reader.query("SELECT count(*) FROM " + table + " WHERE request_id = 'pg-clean-1'").execute().await()
        .iterator().next().getLong(0);
    assertEquals(0, clean, "a request that met no failure is no error event");
    JsonObject status = new JsonObject(h.get("/admin/analytics").body()).getJsonObject("postgres");
    assertEquals(table, status.getString("table"));
    assertEquals(0L, status.getLong("dropped"));
  }

  @Test
  void aPostgresThatHangsFailsNoRequestAndSlowsNoneAndItsRowsAreWrittenOnceItAnswers() throws Exception {
    PgConnectOptions pg = PgConnectOptions.fromUri(TestPostgres.url());
    TcpSwitch hanging = new TcpSwitch(poller, pg.getHost(), pg.getPort(), TcpSwitch.Mode.HOLD);
    closing.add(hanging);
    String password = pg.getPassword() == null || pg.getPassword().isEmpty() ? "" : ":" + pg.getPassword();
    String url = "postgresql://" + pg.getUser() + password + "@127.0.0.1:" + hanging.port + "/" + pg.getDatabase();
    GatewayHarness h = start(url, ", queueSize: 4, batchSize: 1");
    for (int i = 0; i < 5; i++) {
      h.fault(RecoveryTest.fault("hang-" + i).put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
          .put("headers", new JsonObject().put("retry-after", "0")));
      long began = System.nanoTime();
      HttpResponse<String> r = MetricsTest.chat(h, "gpt-4o", "hang-" + i, "x-request-id", "pg-hang-" + i);
      long tookMs = (System.nanoTime() - began) / 1_000_000;
      assertEquals(200, r.statusCode(), r.body());
      // a request that waited on PostgreSQL would wait for good: it never answers
      assertTrue(tookMs < 3_000, "request " + i + " took " + tookMs + " ms");
    }
    JsonObject figures = new JsonObject(h.get("/admin/analytics").body());
    assertEquals(5, figures.getJsonObject("recoveries").getInteger("recovered"), "the figures do not wait on PostgreSQL");
    JsonObject status = figures.getJsonObject("postgres");
    assertEquals(0L, status.getLong("written"));
    assertEquals(4, status.getInteger("queued"));
    assertEquals(11L, status.getLong("dropped"), "15 rows (3 per request) into a queue of 4");

    hanging.mode(TcpSwitch.Mode.FORWARD);
    AtomicReference<Long> written = new AtomicReference<>(-1L);
    Eventually.await(poller, 15_000, "the queued rows written", () -> {
      // the table exists once PostgreSQL answered; until then the count fails and is asked again
      reader.query("SELECT count(*) FROM " + table).execute()
          .onSuccess(rows -> written.set(rows.iterator().next().getLong(0)));
      return written.get() == 4;
    });
  }
}
