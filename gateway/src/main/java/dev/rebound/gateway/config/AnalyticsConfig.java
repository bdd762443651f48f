package dev.rebound.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

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

  /** A URL with the password in its user info replaced by "***" (a URL that does not parse is shown as "(unreadable)"). */
  static String redacted(String url) {
    try {
      URI u = new URI(url);
      String info = u.getRawUserInfo();
      if (info == null || !info.contains(":")) return url;
      return url.replace(info, info.substring(0, info.indexOf(':')) + ":***");
    } catch (URISyntaxException e) {
      // a password may be anywhere in text that is not a URL: show none of it
      return url.contains("@") ? "(unreadable)" : url;
    }
  }
}
