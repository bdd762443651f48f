package dev.rebound.gateway.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Recovery analytics. The figures over time (GET /admin/analytics) are always kept in memory; {@code postgres}, when set,
 * also writes the decisions about failures and their recovery to a table for SQL analysis.
 *
 * @param postgres where decision events are also written; null: nowhere
 */
public record AnalyticsConfig(Postgres postgres) {
  public static final AnalyticsConfig NONE = new AnalyticsConfig(null);

  /**
   * The PostgreSQL sink: rows are queued off the request path and written in batches; a full queue drops rows (counted)
   * rather than slow a request.
   *
   * @param url           postgresql://user:password@host:port/database
   * @param table         the table written (created when missing), optionally schema-qualified
   * @param queueSize     rows waiting to be written at most; beyond it new rows are dropped
   * @param batchSize     rows per INSERT batch
   * @param flushInterval how often queued rows are written (a full batch is written at once)
   */
  public record Postgres(String url, String table, int queueSize, int batchSize, Duration flushInterval) {
    public static final String DEFAULT_TABLE = "error_events";
    public static final int DEFAULT_QUEUE_SIZE = 10_000;
    public static final int DEFAULT_BATCH_SIZE = 500;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);

    /** The URL without its password, for messages and logs. */
    public String safeUrl() {
      return redacted(url);
    }

    @Override
    public String toString() {
      return "Postgres[url=" + safeUrl() + ", table=" + table + ", queueSize=" + queueSize + ", batchSize=" + batchSize
          + ", flushInterval=" + flushInterval + "]";
    }
  }

  /** user:password@ in a URL, read as text (a URL may be too broken for java.net.URI and still carry a password). */
  private static final Pattern PASSWORD = Pattern.compile("(://[^:/@]*):[^@/]*@");

  /** A URL with the password in its user info replaced by "***". */
  static String redacted(String url) {
    return url == null ? null : PASSWORD.matcher(url).replaceAll("$1:***@");
  }
}
