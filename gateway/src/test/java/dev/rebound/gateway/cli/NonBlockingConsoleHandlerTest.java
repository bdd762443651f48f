package dev.rebound.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

class NonBlockingConsoleHandlerTest {

  @Test
  void recordsAreWrittenInOrderByTheWriterAndAllOfThemOnClose() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    NonBlockingConsoleHandler handler = new NonBlockingConsoleHandler(out, 1000);
    handler.setFormatter(new SimpleFormatter() {
      @Override
      public String format(LogRecord r) {
        return r.getMessage() + "\n";
      }
    });
    for (int i = 0; i < 100; i++) handler.publish(new LogRecord(Level.INFO, "line " + i));
    handler.close();

    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(100, lines.length);
    assertEquals("line 0", lines[0]);
    assertEquals("line 99", lines[99]);
  }

  @Test
  void theRecordsOfOneWindowGoOutInOneWriteAtItsEnd() throws Exception {
    java.util.List<String> writes = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    OutputStream counting = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        writes.add(new String(b, off, len, StandardCharsets.UTF_8));
      }
    };
    // a window of 500 ms: waking the writer per record cost the event loop a futex call each
    NonBlockingConsoleHandler handler = new NonBlockingConsoleHandler(counting, 1000, 500);
    handler.setFormatter(new SimpleFormatter() {
      @Override
      public String format(LogRecord r) {
        return r.getMessage() + "\n";
      }
    });
    Thread.sleep(50); // the writer is in its first window, with nothing to write yet
    for (int i = 0; i < 100; i++) handler.publish(new LogRecord(Level.INFO, "line " + i));
    Thread.sleep(100); // real time on purpose: what is asserted is that a real thread stays asleep
    assertEquals(java.util.List.of(), writes, "nothing written before the writer looks");

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (writes.isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
    assertEquals(1, writes.size(), "all 100 records in one write");
    assertEquals(100, writes.get(0).split("\n").length);
    handler.close();
  }

  @Test
  void aQuietWriterSleepsUntilTheNextRecordInsteadOfLookingEveryWindow() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    NonBlockingConsoleHandler handler = new NonBlockingConsoleHandler(out, 1000, 5);
    handler.setFormatter(new SimpleFormatter() {
      @Override
      public String format(LogRecord r) {
        return r.getMessage() + "\n";
      }
    });
    handler.publish(new LogRecord(Level.INFO, "first"));
    awaitWritten(out, "first\n");
    // the window after the write finds nothing: then the writer goes to sleep
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!handler.asleep() && System.nanoTime() < deadline) Thread.sleep(5);
    assertTrue(handler.asleep(), "the writer sleeps after a window without records");
    long looks = handler.looks();
    // real time on purpose: what is asserted is that a real thread stays asleep (a 5 ms window would look 60 times)
    Thread.sleep(300);
    assertEquals(looks, handler.looks(), "a writer with nothing to write does not look again");

    handler.publish(new LogRecord(Level.INFO, "second"));
    awaitWritten(out, "first\nsecond\n");
    handler.close();
  }

  private static void awaitWritten(ByteArrayOutputStream out, String expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!out.toString(StandardCharsets.UTF_8).equals(expected) && System.nanoTime() < deadline) Thread.sleep(5);
    assertEquals(expected, out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aStuckOutputNeverBlocksTheLoggerAndTheLossIsReported() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    OutputStream stuck = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        try {
          release.await(); // a pipe nobody reads
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        written.write(b, off, len);
      }
    };
    NonBlockingConsoleHandler handler = new NonBlockingConsoleHandler(stuck, 10);
    long started = System.nanoTime();
    for (int i = 0; i < 1000; i++) handler.publish(new LogRecord(Level.INFO, "decision " + i));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertTrue(tookMs < 1000, "publishing must not wait for the output (took " + tookMs + " ms)");
    // kept at most: the batch the writer took before it got stuck (up to a queue's worth) and a full queue behind it
    assertTrue(handler.dropped() >= 1000 - 2 * 10 - 1, "the surplus is dropped: " + handler.dropped());
    release.countDown();
    handler.close();
    String text = written.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("log records dropped: the log output was not keeping up"), text);
  }
}
