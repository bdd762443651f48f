package dev.rebound.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** analytics.postgres: read with its defaults, every mistake named by its key path, the password never shown. */
class AnalyticsConfigTest {
  static ReboundConfig load(String analytics, Map<String, String> env) {
    return new ConfigLoader(env).parse(ConfigLoaderTest.MINIMAL + analytics, "t.yaml");
  }

  static List<String> problems(String analytics) {
    return assertThrows(ConfigException.class, () -> load(analytics, Map.of())).problems();
  }

  @Test
  void withoutAnAnalyticsSectionNothingIsWrittenToPostgres() {
    assertNull(load("", Map.of()).analytics().postgres());
  }

  @Test
  void aPostgresUrlAloneTakesTheDefaults() {
    AnalyticsConfig.Postgres pg = load("analytics: { postgres: { url: \"postgresql://rebound@db:5432/ops\" } }\n", Map.of())
        .analytics().postgres();
    assertEquals("postgresql://rebound@db:5432/ops", pg.url());
    assertEquals("error_events", pg.table());
    assertEquals(10_000, pg.queueSize());
    assertEquals(500, pg.batchSize());
    assertEquals(Duration.ofSeconds(1), pg.flushInterval());
  }

  @Test
  void everySettingIsReadAndTheUrlMayComeFromTheEnvironment() {
    AnalyticsConfig.Postgres pg = load("""
        analytics:
          postgres: { url: "${PG:-}", table: ops.recovery_events, queueSize: 50, batchSize: 10, flushInterval: 250ms }
        """, Map.of("PG", "postgres://u:pw@127.0.0.1:6543/db")).analytics().postgres();
    assertEquals("postgres://u:pw@127.0.0.1:6543/db", pg.url());
    assertEquals("ops.recovery_events", pg.table());
    assertEquals(50, pg.queueSize());
    assertEquals(10, pg.batchSize());
    assertEquals(Duration.ofMillis(250), pg.flushInterval());
  }

  @Test
  void anUnsetUrlVariableMeansNoTable() {
    assertNull(load("analytics: { postgres: { url: \"${REBOUND_PG_URL:-}\" } }\n", Map.of()).analytics().postgres());
  }

  @Test
  void rejectsBadSettingsNamingEachKeyPathAndNeverThePassword() {
    List<String> problems = problems("""
        analytics:
          postgres: { url: "mysql://admin:hunter2@db/x", table: "drop table;", queueSize: 5, batchSize: 20, flushInterval: 0s, pool: 3 }
        """);
    assertEquals(List.of(
        "analytics.postgres.pool: unknown key (known here: batchSize, flushInterval, queueSize, table, url)",
        "analytics.postgres.table: 'drop table;' is not a table name (letters, digits and '_', not starting with a digit,"
            + " at most 63; optionally schema.table)",
        "analytics.postgres.batchSize: must not be more than queueSize (5), but was 20",
        "analytics.postgres.flushInterval: '0s' must be more than 0",
        "analytics.postgres.url: 'mysql://admin:***@db/x' is not a postgresql:// or postgres:// URL"), problems);
    assertFalse(String.join("\n", problems).contains("hunter2"));
  }

  @Test
  void rejectsAUrlThePostgresClientCannotRead() {
    List<String> problems = problems("analytics: { postgres: { url: \"postgresql://u:pw@db:port/x\" } }\n");
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("analytics.postgres.url: 'postgresql://u:***@db:port/x' is not a PostgreSQL URL: "),
        problems.get(0));
    assertFalse(problems.get(0).contains(":pw@"), problems.get(0));
  }

  @Test
  void rejectsAMissingUrlAndAnUnknownAnalyticsKey() {
    assertEquals(List.of("analytics.window: unknown key (known here: postgres)",
            "analytics.postgres.url: is required (postgresql://user@host:5432/database)"),
        problems("analytics: { window: 1h, postgres: { table: t } }\n"));
  }

  @Test
  void theConfigsPrintedFormNeverShowsThePassword() {
    AnalyticsConfig.Postgres pg = load("analytics: { postgres: { url: \"postgresql://rebound:s3cret@db/ops\" } }\n", Map.of())
        .analytics().postgres();
    assertFalse(pg.toString().contains("s3cret"), pg.toString());
    assertTrue(pg.toString().contains("postgresql://rebound:***@db/ops"), pg.toString());
  }
}
