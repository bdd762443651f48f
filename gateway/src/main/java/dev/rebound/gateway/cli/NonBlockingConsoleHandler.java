package dev.rebound.gateway.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Log records to a stream (stderr) from a thread of their own. Every decision is logged from the event loop, and a
 * write to stderr blocks when whatever reads it (a pipe, docker, journald) is slow: so records only join a bounded
 * queue there, and when the writer cannot keep up the surplus is dropped and counted ("N log records dropped") rather
 * than stalling requests. The writer looks at the queue every {@link #WRITE_EVERY_MS} ms instead of being woken by each
 * record: waking it cost the event loop a futex call per record, as much as a third of a request's CPU at INFO.
 */
public final class NonBlockingConsoleHandler extends Handler {
  private static final LogRecord STOP = new LogRecord(java.util.logging.Level.OFF, "stop");
  /** How long a record waits for the writer at most (the writer sleeps this long when it finds the queue empty). */
  static final long WRITE_EVERY_MS = 10;

  private final OutputStream out;
  private final BlockingQueue<LogRecord> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private final long writeEveryNanos;
  private volatile boolean closed;

  public NonBlockingConsoleHandler(OutputStream out, int capacity) {
    this(out, capacity, WRITE_EVERY_MS);
  }

  /** @param writeEveryMs how long the writer sleeps when it finds nothing to write */
  NonBlockingConsoleHandler(OutputStream out, int capacity, long writeEveryMs) {
    this.writeEveryNanos = TimeUnit.MILLISECONDS.toNanos(writeEveryMs);
    this.out = out;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = new Thread(this::drain, "rebound-log-writer");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void publish(LogRecord record) {
    if (closed || !isLoggable(record)) return;
    if (!queue.offer(record)) dropped.incrementAndGet();
  }

  /** Records dropped because the queue was full, since start. */
  public long dropped() {
    return dropped.get();
  }

  private void drain() {
    List<LogRecord> batch = new ArrayList<>();
    long reported = 0;
    try {
      while (true) {
        if (queue.drainTo(batch) == 0) {
          // a sleep of its own, not a wait on the queue: an offer then finds no waiter to signal
          LockSupport.parkNanos(writeEveryNanos);
          if (Thread.interrupted()) throw new InterruptedException();
          continue;
        }
        StringBuilder text = new StringBuilder();
        boolean stop = false;
        for (LogRecord r : batch) {
          if (r == STOP) {
            stop = true;
            break;
          }
          text.append(format(r));
        }
        long lost = dropped.get();
        if (lost > reported) {
          // through the formatter, so a JSON log stays one JSON object per line
          LogRecord notice = new LogRecord(java.util.logging.Level.WARNING,
              (lost - reported) + " log records dropped: the log output was not keeping up");
          notice.setLoggerName("rebound.log");
          text.append(format(notice));
          reported = lost;
        }
        batch.clear();
        write(text);
        if (stop) return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String format(LogRecord r) {
    try {
      return getFormatter() != null ? getFormatter().format(r) : r.getMessage() + "\n";
    } catch (RuntimeException e) {
      reportError("cannot format a log record", e, ErrorManager.FORMAT_FAILURE);
      return "";
    }
  }

  private void write(CharSequence text) {
    if (text.isEmpty()) return;
    try {
      out.write(text.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      reportError("cannot write the log", e, ErrorManager.WRITE_FAILURE);
    }
  }

  /** Waits (up to a second) until what was queued before this call is written. */
  @Override
  public void flush() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (!queue.isEmpty() && System.nanoTime() < deadline) LockSupport.parkNanos(1_000_000);
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      queue.put(STOP);
      LockSupport.unpark(writer);
      writer.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
