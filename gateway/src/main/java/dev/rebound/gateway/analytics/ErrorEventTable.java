package dev.rebound.gateway.analytics;

import dev.rebound.gateway.config.AnalyticsConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The error_events table in PostgreSQL (vertx-pg-client), written off the request path: a row is put in a bounded queue
 * (a full queue drops it and counts the drop; putting never waits), and one writer on one event-loop context takes
 * batches out and writes each in one pipelined INSERT. The table is created when missing. While PostgreSQL is down a
 * batch is kept and tried again at each flush interval (the pool connects anew), the queue filling meanwhile; rows
 * PostgreSQL refuses as data (a value it cannot store) are dropped, so one bad row cannot stop the rest. Stopping writes
 * what is queued, within a deadline.
 */
public final class ErrorEventTable {
  private static final Logger LOG = Logger.getLogger(ErrorEventTable.class.getName());
  static final String COLUMNS = "id, at, request_id, tenant, session_id, event, type, severity, component, agent, message,"
      + " recovery_strategy, success, retry_count, resolution_time_ms, details";

  /** A PostgreSQL that accepted the connection and then stopped answering is left after this. */
  static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final AnalyticsConfig.Postgres config;
  private final PgConnectOptions connect;
  private final String insert;
  private final ArrayBlockingQueue<ErrorEventRow> queue;
  private final LongAdder dropped = new LongAdder();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicBoolean flushAsked = new AtomicBoolean();
  private volatile String lastError;
  // the writer's own state: touched only on its context
  /** Set once by start(); offer() reads it from any thread. */
  private volatile Context context;
  private Pool pool;
  private long timer = -1;
  /** Read by tests from other threads; written on the writer's context. */
  private volatile boolean tableReady;
  private boolean writing;
  /** Set on the writer's context; read by offer() from any thread. */
  private volatile boolean stopped;
  /** A batch whose write failed for want of PostgreSQL: written before anything newer. */
  private List<ErrorEventRow> retry;
  private boolean down;
  /** The write under way: its batch (null for creating the table), when it began, and its number. */
  private List<ErrorEventRow> inFlight;
  private long writingSince;
  private long write;
  private final Duration writeTimeout;

  public ErrorEventTable(Vertx vertx, AnalyticsConfig.Postgres config) {
    this(vertx, config, DEFAULT_WRITE_TIMEOUT);
  }

  /** @param writeTimeout a write with no answer after this is given up, and the connection made anew */
  ErrorEventTable(Vertx vertx, AnalyticsConfig.Postgres config, Duration writeTimeout) {
    this.vertx = vertx;
    this.config = config;
    this.writeTimeout = writeTimeout;
    this.connect = PgConnectOptions.fromUri(config.url());
    this.queue = new ArrayBlockingQueue<>(config.queueSize());
    StringBuilder values = new StringBuilder();
    for (int i = 1; i <= 16; i++) values.append(i == 1 ? "" : ", ").append('$').append(i);
    this.insert = "INSERT INTO " + config.table() + " (" + COLUMNS + ") VALUES (" + values + ") ON CONFLICT (id) DO NOTHING";
  }

  /** The statements that create the table and its index on time, when missing. */
  static List<String> createStatements(String table) {
    String base = table.substring(table.indexOf('.') + 1);
    return List.of("CREATE TABLE IF NOT EXISTS " + table + " ("
            + "id uuid PRIMARY KEY, at timestamptz NOT NULL, request_id text, tenant text, session_id text,"
            + " event text NOT NULL, type text, severity text, component text, agent text, message text,"
            + " recovery_strategy text, success boolean, retry_count integer, resolution_time_ms bigint, details jsonb)",
        "CREATE INDEX IF NOT EXISTS " + base + "_at_idx ON " + table + " (at)");
  }

  /**
   * Starts the writer on the caller's event-loop context (all its writes run there). PostgreSQL need not answer yet: the
   * table is created once it does.
   */
  public void start() {
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      pool = newPool();
      timer = vertx.setPeriodic(Math.max(1, config.flushInterval().toMillis()), id -> flush());
      LOG.info("analytics: decisions about failures and their recovery are written to " + where());
      flush();
    });
  }

  private Pool newPool() {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1).setName("rebound-analytics"))
        .with(new NetClientOptions().setConnectTimeout(5_000))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  /** Queues a row; never waits. False (and counted) when the queue is full or the writer stopped. */
  public boolean offer(ErrorEventRow row) {
    if (stopped || !queue.offer(row)) {
      dropped.increment();
      return false;
    }
    if (queue.size() >= config.batchSize() && context != null && flushAsked.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        flushAsked.set(false);
        if (!stopped) flush();
      });
    }
    return true;
  }

  /** Writes one batch if none is being written; the next follows at once while full batches wait. */
  private Future<Void> flush() {
    if (pool == null) return Future.succeededFuture();
    if (writing && System.nanoTime() - writingSince > writeTimeout.toNanos()) abandonWrite();
    if (writing) return Future.succeededFuture();
    if (!tableReady) {
      long mine = begin(null);
      return createTable().transform(ar -> {
        if (mine != write) return Future.failedFuture("abandoned");
        writing = false;
        inFlight = null;
        if (ar.failed()) {
          failed(ar.cause());
          return Future.failedFuture(ar.cause());
        }
        tableReady = true;
        return flush();
      });
    }
    List<ErrorEventRow> taken = retry != null ? retry : take(config.batchSize());
    retry = null;
    List<ErrorEventRow> batch = new ArrayList<>(taken.size());
    List<Tuple> tuples = new ArrayList<>(taken.size());
    for (ErrorEventRow r : taken) {
      try {
        tuples.add(tuple(r));
        batch.add(r);
      } catch (RuntimeException unwritable) {
        // a row that cannot even be put in a statement is dropped alone
        dropped.increment();
        lastError = String.valueOf(unwritable.getMessage());
      }
    }
    if (batch.isEmpty()) return Future.succeededFuture();
    long mine = begin(batch);
    return pool.preparedQuery(insert).executeBatch(tuples).transform(ar -> {
      // a write given up on answers late, if ever: its batch is already back in line
      if (mine != write) return Future.failedFuture("abandoned");
      writing = false;
      inFlight = null;
      if (ar.succeeded()) {
        written.addAndGet(batch.size());
        if (down) LOG.info("analytics: " + where() + " answers again; writing the queued rows");
        down = false;
        return queue.size() >= config.batchSize() && !stopped ? flush() : Future.succeededFuture();
      }
      Throwable err = ar.cause();
      if (err instanceof PgException pg && pg.getSqlState() != null
          && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"))) {
        // PostgreSQL answered and refused the values: writing them again cannot succeed
        dropped.add(batch.size());
        lastError = err.getMessage();
        LOG.log(Level.WARNING, "analytics: " + where() + " refused " + batch.size() + " row(s); they are dropped", err);
        return Future.failedFuture(err);
      }
      if (err instanceof PgException pg && "42P01".equals(pg.getSqlState())) tableReady = false; // dropped meanwhile
      retry = batch;
      failed(err);
      return Future.failedFuture(err);
    });
  }

  private long begin(List<ErrorEventRow> batch) {
    writing = true;
    writingSince = System.nanoTime();
    inFlight = batch;
    return ++write;
  }

  /**
   * A write that got no answer (a server that accepted the connection, then hung): its batch goes back in line, the
   * pool is closed (which fails what it still holds) and a new one connects for the next write.
   */
  private void abandonWrite() {
    write++;
    writing = false;
    if (inFlight != null) retry = inFlight;
    inFlight = null;
    Pool old = pool;
    pool = newPool();
    old.close();
    failed(new java.util.concurrent.TimeoutException("no answer within " + writeTimeout.toMillis() + " ms"));
  }

  private Future<Void> createTable() {
    Future<Void> done = Future.succeededFuture();
    for (String sql : createStatements(config.table())) done = done.compose(v -> pool.query(sql).execute().mapEmpty());
    return done;
  }

  private void failed(Throwable err) {
    failedWrites.incrementAndGet();
    lastError = String.valueOf(err.getMessage());
    if (!down) {
      LOG.warning("analytics: " + where() + " cannot be written (" + err.getMessage() + "); rows wait in the queue (at most "
          + config.queueSize() + ", then new ones are dropped) and are written once it answers");
    }
    down = true;
  }

  private List<ErrorEventRow> take(int max) {
    List<ErrorEventRow> out = new ArrayList<>(Math.min(max, queue.size()));
    queue.drainTo(out, max);
    return out;
  }

  private static Tuple tuple(ErrorEventRow r) {
    return Tuple.tuple()
        .addValue(r.id())
        .addValue(r.at().atOffset(ZoneOffset.UTC))
        .addValue(r.requestId())
        .addValue(r.tenant())
        .addValue(r.sessionId())
        .addValue(r.event())
        .addValue(r.type())
        .addValue(r.severity())
        .addValue(r.component())
        .addValue(r.agent())
        .addValue(r.message())
        .addValue(r.strategy())
        .addValue(r.success())
        .addValue(r.retryCount())
        .addValue(r.resolutionTimeMs())
        .addValue(new JsonObject(r.details()));
  }

  /** The table and server, never the password. */
  private String where() {
    return "PostgreSQL table " + config.table() + " at " + connect.getHost() + ":" + connect.getPort() + "/"
        + connect.getDatabase();
  }

  /**
   * Writes what is queued (batch after batch, until the queue is empty, a write fails or {@code within} has passed),
   * then closes the pool.
   */
  public Future<Void> stop(Duration within) {
    if (context == null) return Future.succeededFuture();
    Promise<Void> done = Promise.promise();
    long deadline = System.nanoTime() + within.toNanos();
    context.runOnContext(v -> {
      stopped = true;
      if (timer != -1) vertx.cancelTimer(timer);
      // a write hanging on a PostgreSQL that does not answer must not hold the gateway's stop past the deadline
      long giveUp = vertx.setTimer(Math.max(1, within.toMillis()), id -> done.tryComplete());
      drain(deadline).eventually(() -> pool == null ? Future.succeededFuture() : pool.close()).onComplete(ar -> {
        vertx.cancelTimer(giveUp);
        done.tryComplete();
      });
    });
    return done.future().andThen(ar -> {
      int left = queue.size();
      if (left > 0) LOG.warning("analytics: " + left + " row(s) for " + where() + " were not written before the gateway stopped");
    });
  }

  private Future<Void> drain(long deadline) {
    if ((queue.isEmpty() && retry == null) || System.nanoTime() > deadline) return Future.succeededFuture();
    if (writing) {
      // a batch is being written: look again once it had time to end
      Promise<Void> later = Promise.promise();
      vertx.setTimer(10, id -> drain(deadline).onComplete(later));
      return later.future();
    }
    return flush().compose(v -> drain(deadline), err -> Future.succeededFuture());
  }

  /** Rows written, dropped, waiting, and the last error, for the admin API. */
  public JsonObject status() {
    return new JsonObject()
        .put("table", config.table())
        .put("written", written.get())
        .put("queued", queue.size())
        .put("dropped", dropped.sum())
        .put("failedWrites", failedWrites.get())
        .put("lastError", lastError);
  }

  boolean tableReady() {
    return tableReady;
  }

  long dropped() {
    return dropped.sum();
  }

  long written() {
    return written.get();
  }
}
