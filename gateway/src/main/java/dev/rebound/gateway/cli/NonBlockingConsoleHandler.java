package dev.rebound.gateway.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Log records to a stream (stderr) from a thread of their own. Every decision is logged from the event loop, and a
 * write to stderr blocks when whatever reads it (a pipe, docker, journald) is slow: so records only join a bounded
 * queue there, and when the writer cannot keep up the surplus is dropped and counted ("N log records dropped") rather
 * than stalling requests. The writer is not woken by each record: that cost the event loop a futex call per record, as
 * much as a third of a request's CPU at INFO. It writes what came in each {@link #WRITE_EVERY_MS} ms in one go; after a
 * window that brought nothing it sleeps until the next record wakes it, so a quiet gateway does not poll (polling every
 * 10 ms cost half a percent of a core on a virtual machine, idle or not).
 */
public final class NonBlockingConsoleHandler extends Handler {
  private static final LogRecord STOP = new LogRecord(java.util.logging.Level.OFF, "stop");
  /** How long a record waits for the writer at most: the records of one such window go out in one write. */
  static final long WRITE_EVERY_MS = 50;

  private final OutputStream out;
  private final BlockingQueue<LogRecord> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private final long writeEveryNanos;
  /** The writer found a window empty and sleeps until a record comes; the first publisher to see it wakes it. */
  private final AtomicBoolean asleep = new AtomicBoolean();
  /** How many times the writer has looked at the queue (tests: a quiet writer does not look). */
  private final AtomicLong looks = new AtomicLong();
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
    if (!queue.offer(record)) {
      dropped.incrementAndGet();
    } else if (asleep.get() && asleep.compareAndSet(true, false)) {
      LockSupport.unpark(writer); // once per quiet spell, not per record
    }
  }

  /** How many times the writer has looked at the queue, since start. */
  long looks() {
    return looks.get();
  }

  /** Whether the writer sleeps until the next record (it found a window empty). */
  boolean asleep() {
    return asleep.get();
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
        // a sleep of its own, not a wait on the queue: an offer then finds no waiter to signal
        if (!closed) LockSupport.parkNanos(writeEveryNanos);
        if (Thread.interrupted()) throw new InterruptedException();
        looks.incrementAndGet();
        if (queue.drainTo(batch) == 0) {
          asleep.set(true);
          // looked at again after saying so: a record offered before then was not followed by a wake-up
          while (asleep.get() && queue.isEmpty()) {
            LockSupport.park(this);
            if (Thread.interrupted()) throw new InterruptedException();
          }
          asleep.set(false);
          continue; // then a window for the records that follow it to join its write
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
