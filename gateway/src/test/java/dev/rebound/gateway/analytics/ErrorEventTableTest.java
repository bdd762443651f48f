package dev.rebound.gateway.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.AnalyticsConfig;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.TcpSwitch;
import dev.rebound.gateway.testing.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The error_events table against a real PostgreSQL ({@link TestPostgres}): created when missing, rows written in
 * batches and on stop, a full queue dropping at once, a PostgreSQL that is down or hangs waited out and written to once
 * it answers, and a row it refuses dropped without stopping the rest.
 */
class ErrorEventTableTest {
  final Vertx vertx = Vertx.vertx();
  final Pool reader = TestPostgres.pool(vertx);
  final List<AutoCloseable> closing = new ArrayList<>();
  final String tableName = TestPostgres.uniqueTable("error_events_test");

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) c.close();
    reader.query("DROP TABLE IF EXISTS " + tableName).execute().await();
    reader.close().await();
    vertx.close().await();
  }

  ErrorEventTable table(String url, int queueSize, int batchSize, Duration flushInterval) {
    ErrorEventTable t = new ErrorEventTable(vertx, new AnalyticsConfig.Postgres(url, tableName, queueSize, batchSize, flushInterval));
    vertx.runOnContext(v -> t.start());
    closing.add(() -> t.stop(Duration.ofSeconds(5)).await());
    return t;
  }

  /** The test PostgreSQL, reached through a switch the test throws. */
  TcpSwitch through(TcpSwitch.Mode mode) {
    PgConnectOptions pg = PgConnectOptions.fromUri(TestPostgres.url());
    TcpSwitch s = new TcpSwitch(vertx, pg.getHost(), pg.getPort(), mode);
    closing.add(0, s);
    return s;
  }

  static String urlThrough(TcpSwitch s) {
    PgConnectOptions pg = PgConnectOptions.fromUri(TestPostgres.url());
    String password = pg.getPassword() == null || pg.getPassword().isEmpty() ? "" : ":" + pg.getPassword();
    return "postgresql://" + pg.getUser() + password + "@127.0.0.1:" + s.port + "/" + pg.getDatabase();
  }

  static ErrorEventRow row(int n) {
    return new ErrorEventRow(UUID.randomUUID(), Instant.parse("2026-03-01T10:00:00Z").plusSeconds(n), "req-" + n,
        "default", "s-" + n, "failure", "rate_limited", "low", "primary", "main", "Rate limit reached (" + n + ")", "retry",
        true, n, 1_000L + n, "{\"kind\":\"RATE_LIMITED\",\"n\":" + n + "}");
  }

  RowSet<Row> rows() {
    return reader.query("SELECT * FROM " + tableName + " ORDER BY at").execute().await();
  }

  long count() {
    return reader.query("SELECT count(*) FROM " + tableName).execute().await().iterator().next().getLong(0);
  }

  @Test
  void createsItsTableWhenMissingAndWritesEveryColumnInBatches() {
    ErrorEventTable t = table(TestPostgres.url(), 100, 2, Duration.ofMillis(50));
    for (int i = 1; i <= 5; i++) assertTrue(t.offer(row(i)));
    Eventually.await(vertx, 10_000, "5 rows written", () -> t.written() == 5);
    RowSet<Row> rows = rows();
    assertEquals(5, rows.size());
    Row first = rows.iterator().next();
    ErrorEventRow expected = row(1);
    assertEquals(Instant.parse("2026-03-01T10:00:01Z").atOffset(ZoneOffset.UTC).toInstant(), first.getOffsetDateTime("at").toInstant());
    assertEquals("req-1", first.getString("request_id"));
    assertEquals("default", first.getString("tenant"));
    assertEquals("s-1", first.getString("session_id"));
    assertEquals("failure", first.getString("event"));
    assertEquals("rate_limited", first.getString("type"));
    assertEquals("low", first.getString("severity"));
    assertEquals("primary", first.getString("component"));
    assertEquals("main", first.getString("agent"));
    assertEquals(expected.message(), first.getString("message"));
    assertEquals("retry", first.getString("recovery_strategy"));
    assertEquals(true, first.getBoolean("success"));
    assertEquals(1, first.getInteger("retry_count"));
    assertEquals(1_001L, first.getLong("resolution_time_ms"));
    assertEquals(new JsonObject().put("kind", "RATE_LIMITED").put("n", 1), first.getJsonObject("details"));
    assertEquals(new JsonObject().put("table", tableName).put("written", 5L).put("queued", 0).put("dropped", 0L)
        .put("failedWrites", 0L).put("lastError", null), t.status());
  }

  @Test
  void stoppingWritesWhatIsStillQueued() {
    ErrorEventTable t = table(TestPostgres.url(), 100, 100, Duration.ofHours(1));
    Eventually.await(vertx, 10_000, "the table created", t::tableReady);
    for (int i = 1; i <= 3; i++) t.offer(row(i));
    t.stop(Duration.ofSeconds(5)).await();
    assertEquals(3, count());
  }

  @Test
  void aFullQueueDropsNewRowsAtOnceAndCountsThemWhilePostgresHangs() {
    TcpSwitch hanging = through(TcpSwitch.Mode.HOLD);
    ErrorEventTable t = table(urlThrough(hanging), 3, 1, Duration.ofMillis(20));
    List<Boolean> taken = new ArrayList<>();
    for (int i = 1; i <= 10; i++) taken.add(t.offer(row(i)));
    assertEquals(List.of(true, true, true, false, false, false, false, false, false, false), taken);
    JsonObject status = t.status();
    assertEquals(7L, status.getLong("dropped"));
    assertEquals(3, status.getInteger("queued"));
    assertEquals(0L, status.getLong("written"));
  }

  @Test
  void rowsWaitOutAPostgresThatIsDownAndAreWrittenOnceEachWhenItAnswersAgain() {
    TcpSwitch down = through(TcpSwitch.Mode.REFUSE);
    ErrorEventTable t = table(urlThrough(down), 100, 2, Duration.ofMillis(50));
    for (int i = 1; i <= 4; i++) t.offer(row(i));
    Eventually.await(vertx, 10_000, "writes tried and failed", () -> t.status().getLong("failedWrites") >= 2);
    assertNotNull(t.status().getString("lastError"));
    assertEquals(0L, t.written());
    down.mode(TcpSwitch.Mode.FORWARD);
    Eventually.await(vertx, 15_000, "the 4 rows written", () -> t.written() == 4);
    t.offer(row(5));
    Eventually.await(vertx, 10_000, "a row after the outage written", () -> t.written() == 5);
    assertEquals(5, count(), "no row lost or written twice");
    assertEquals(0L, t.status().getLong("dropped"));
  }

  @Test
  void aConnectionAPostgresHeldAndThenClosedIsMadeAnewAndTheRowWritten() {
    TcpSwitch hanging = through(TcpSwitch.Mode.HOLD);
    ErrorEventTable t = table(urlThrough(hanging), 100, 10, Duration.ofMillis(50));
    t.offer(row(1));
    hanging.mode(TcpSwitch.Mode.FORWARD);
    Eventually.await(vertx, 15_000, "the row written", () -> t.written() == 1);
    assertEquals(1, count());
  }

  @Test
  void aWriteThatGetsNoAnswerIsGivenUpAndItsRowsWrittenOnANewConnection() {
    TcpSwitch hanging = through(TcpSwitch.Mode.HOLD);
    ErrorEventTable t = new ErrorEventTable(vertx, new AnalyticsConfig.Postgres(urlThrough(hanging), tableName, 100, 10,
        Duration.ofMillis(50)), Duration.ofMillis(300));
    vertx.runOnContext(v -> t.start());
    closing.add(() -> t.stop(Duration.ofSeconds(5)).await());
    t.offer(row(1));
    Eventually.await(vertx, 10_000, "the hanging write given up", () -> t.status().getLong("failedWrites") >= 1);
    assertTrue(t.status().getString("lastError").contains("no answer within 300 ms"), t.status().encode());
    // the held connection still hangs: only a new one reaches PostgreSQL
    hanging.modeForNewConnections(TcpSwitch.Mode.FORWARD);
    Eventually.await(vertx, 15_000, "the row written", () -> t.written() == 1);
    assertEquals(1, count());
  }

  @Test
  void aRowPostgresRefusesIsDroppedWithItsBatchAndTheNextOnesAreWritten() {
    // the table exists already, with a rule the writer does not know of
    reader.query(ErrorEventTable.createStatements(tableName).get(0)).execute().await();
    reader.query("ALTER TABLE " + tableName + " ADD CHECK (retry_count < 100)").execute().await();
    ErrorEventTable t = table(TestPostgres.url(), 100, 1, Duration.ofMillis(50));
    t.offer(row(500));
    Eventually.await(vertx, 10_000, "the refused row dropped", () -> t.status().getLong("dropped") == 1);
    t.offer(row(7));
    Eventually.await(vertx, 10_000, "the next row written", () -> t.written() == 1);
    RowSet<Row> rows = rows();
    assertEquals(1, rows.size());
    assertEquals("req-7", rows.iterator().next().getString("request_id"));
    assertFalse(t.status().getString("lastError").isEmpty());
  }
}
