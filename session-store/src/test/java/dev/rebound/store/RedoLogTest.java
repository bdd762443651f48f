package dev.rebound.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redo log against real files: a crash is a copy of the store's two files taken while it runs (what a kill -9
 * leaves), opened by a fresh store.
 */
class RedoLogTest {

  @TempDir
  Path dir;

  private MVStore file;
  private RedoLog redo;
  private UndoLog undo;
  /** The first log file, where records go until a checkpoint in the background switches to the second. */
  private FailingChannel channel;
  private LayeredMap<byte[]> bytes;
  private LayeredMap<Long> longs;
  private LayeredMap<String> strings;
  /** Checkpoints in the background, held until a test runs them. */
  private final List<Runnable> checkpointer = new ArrayList<>();

  private void open(Path at) throws IOException {
    Files.createDirectories(at);
    file = new MVStore.Builder().fileName(at.resolve("s.mv.db").toString()).autoCommitDisabled()
        .autoCommitBufferSize(0).open();
    redo = RedoLog.open(file, counters(file), at.resolve(RedoLog.FILE_NAME), (path, options) -> {
      FailingChannel opened = new FailingChannel(java.nio.channels.FileChannel.open(path, options));
      if (path.getFileName().toString().equals(RedoLog.FILE_NAME)) channel = opened;
      return opened;
    });
    undo = new UndoLog();
    bytes = undo.over(file.openMap("bytes"));
    longs = undo.over(file.openMap("longs"));
    strings = undo.over(file.openMap("strings"));
    redo.track(List.of(bytes, longs, strings));
  }

  private static MVMap<String, Long> counters(MVStore store) {
    return store.openMap("counters");
  }

  @AfterEach
  void close() throws IOException {
    if (redo != null) redo.close();
    if (file != null && !file.isClosed()) file.close();
  }

  /** A batch's changes, added to the log as the worker does when the batch commits; not written yet. */
  private void added(Runnable changes) {
    changes.run();
    redo.add(undo.changes());
    undo.clear();
  }

  /** One batch through the log, as the store's worker runs it: changes, add, write (and the syncer's force). */
  private void batch(Runnable changes) {
    added(changes);
    redo.write();
    redo.force();
  }

  /** Opens the files at {@code at} as a fresh store would (replaying the log), checks them, closes them. */
  private static void reopened(Path at, java.util.function.Consumer<MVStore> check) {
    MVStore store = new MVStore.Builder().fileName(at.resolve("s.mv.db").toString()).autoCommitDisabled().open();
    try {
      RedoLog.open(store, counters(store), at.resolve(RedoLog.FILE_NAME)).close();
      check.accept(store);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      store.close();
    }
  }

  private LayeredMap<byte[]> bytes() {
    return bytes;
  }

  private LayeredMap<Long> longs() {
    return longs;
  }

  private LayeredMap<String> strings() {
    return strings;
  }

  /** The three files as they are on disk now, in a directory of their own. */
  private Path crashCopy(Path from, String name) throws IOException {
    Path to = dir.resolve(name);
    Files.createDirectories(to);
    for (String file : List.of("s.mv.db", RedoLog.FILE_NAME, RedoLog.OTHER_FILE_NAME)) {
      Files.copy(from.resolve(file), to.resolve(file));
    }
    return to;
  }

  @Test
  void whatABatchWroteIsReplayedAfterACrashThatLeftTheStoreFileWithoutIt() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> {
      bytes().put("kept", new byte[] {1, 2, 3});
      bytes().put("gone", new byte[] {9});
      longs().put("n", 42L);
      strings().put("s", "héllo");
    });
    batch(() -> {
      bytes().remove("gone");
      longs().put("n", 43L);
    });

    reopened(crashCopy(live, "crash"), store -> {
      assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) store.openMap("bytes").get("kept"));
      assertNull(store.openMap("bytes").get("gone"), "a removal is replayed too");
      assertEquals(43L, store.openMap("longs").get("n"), "in order: the later batch wins");
      assertEquals("héllo", store.openMap("strings").get("s"));
    });
  }

  @Test
  void aCheckpointPutsEverythingInTheStoreFileAndEmptiesTheLog() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> longs().put("n", 1L));
    added(() -> longs().put("unwritten", 2L)); // never written to the log: the checkpoint takes it all the same
    redo.checkpoint();
    assertEquals(0, redo.recordsEnd());

    Path copy = crashCopy(live, "crash");
    Files.write(copy.resolve(RedoLog.FILE_NAME), new byte[0]); // nothing to replay: the store file alone has it
    reopened(copy, store -> {
      assertEquals(1L, store.openMap("longs").get("n"));
      assertEquals(2L, store.openMap("longs").get("unwritten"));
    });
  }

  @Test
  void aRecordACrashCutShortIsNotReplayedNorAnythingAfterIt() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> longs().put("first", 1L));
    long firstEnds = redo.recordsEnd();
    batch(() -> longs().put("second", 2L));
    batch(() -> longs().put("third", 3L));

    Path cut = crashCopy(live, "cut");
    try (var channel = java.nio.channels.FileChannel.open(cut.resolve(RedoLog.FILE_NAME), StandardOpenOption.WRITE)) {
      channel.truncate(firstEnds + 10); // the second record half written
    }
    reopened(cut, store -> {
      assertEquals(1L, store.openMap("longs").get("first"));
      assertNull(store.openMap("longs").get("second"));
      assertNull(store.openMap("longs").get("third"));
    });

    Path torn = crashCopy(live, "torn");
    byte[] log = Files.readAllBytes(torn.resolve(RedoLog.FILE_NAME));
    log[(int) firstEnds + 20] ^= 0x5a; // the second record's bytes, not what was written
    Files.write(torn.resolve(RedoLog.FILE_NAME), log);
    reopened(torn, store -> {
      assertEquals(1L, store.openMap("longs").get("first"));
      assertNull(store.openMap("longs").get("second"), "its checksum fails");
      assertNull(store.openMap("longs").get("third"), "nothing after a bad record");
    });
  }

  @Test
  void recordsFromBeforeACheckpointAreNotReplayedOverWhatTheStoreFileHolds() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> bytes().put("k", new byte[] {1}));
    byte[] oldLog = Files.readAllBytes(live.resolve(RedoLog.FILE_NAME)); // a record of the generation before
    redo.checkpoint();
    batch(() -> bytes().remove("k")); // in the log of the new generation only

    // the disk kept the old records after the new ones (the cut was lost), or the crash came before the cut
    Path stale = crashCopy(live, "stale");
    byte[] newLog = Files.readAllBytes(stale.resolve(RedoLog.FILE_NAME));
    byte[] both = Arrays.copyOf(newLog, newLog.length + oldLog.length);
    System.arraycopy(oldLog, 0, both, newLog.length, oldLog.length);
    Files.write(stale.resolve(RedoLog.FILE_NAME), both);
    reopened(stale, store -> {
      assertNull(store.openMap("bytes").get("k"), "the removal stands; the older put is not replayed after it");
    });

    redo.checkpoint(); // the removal is in the store file; the crash leaves only the old record in the log
    Path beforeCut = crashCopy(live, "before-cut");
    Files.write(beforeCut.resolve(RedoLog.FILE_NAME), oldLog);
    reopened(beforeCut, store -> {
      assertNull(store.openMap("bytes").get("k"));
    });
  }

  /** Every key the batches below wrote, in the files a crash left now. */
  private void assertACrashKeeps(Path live, String name, String... keys) throws IOException {
    reopened(crashCopy(live, name), store -> {
      for (String k : keys) assertEquals(k, store.openMap("strings").get(k), k + " after a crash");
    });
  }

  private void put(String key) {
    strings().put(key, key);
  }

  @Test
  void afterAWriteTheDiskRefusedHalfwayNothingIsAnsweredUntilACheckpointHasTheFileHoldEverything() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> put("a"));
    added(() -> put("b"));
    channel.failNextWriteHalfway = true;
    assertThrows(java.io.UncheckedIOException.class, redo::write); // its batch fails; half a record is in the log
    assertThrows(IllegalStateException.class, redo::force, "no fsync answers while the log is broken");

    // appended after the fragment, this record would never be replayed: the write checkpoints instead
    batch(() -> put("c"));
    assertFalse(redo.broken());
    assertACrashKeeps(live, "after-fragment", "a", "b", "c");
    batch(() -> put("d"));
    assertACrashKeeps(live, "later", "a", "b", "c", "d");
  }

  @Test
  void afterAFailedFsyncNoLaterFsyncAnswersUntilACheckpoint() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> put("a"));
    added(() -> put("b"));
    redo.write();
    channel.failNextForce = true;
    assertThrows(java.io.UncheckedIOException.class, redo::force);
    // the kernel may have dropped the pages it could not write: a second fsync that succeeds proves nothing
    assertThrows(IllegalStateException.class, redo::force);

    batch(() -> put("c"));
    assertFalse(redo.broken());
    assertACrashKeeps(live, "after-fsync", "a", "b", "c");
  }

  @Test
  void aCheckpointThatFailedAfterTheFileTookTheNextGenerationIsDoneAgainBeforeTheNextRecord() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> put("a"));
    channel.failNextTruncate = true; // the file holds the next generation; the log was not emptied
    assertThrows(java.io.UncheckedIOException.class, redo::checkpoint);
    assertTrue(redo.broken());

    batch(() -> put("b"));
    batch(() -> put("c")); // a record of the generation the file holds, or it would not be replayed
    assertACrashKeeps(live, "after-checkpoint", "a", "b", "c");
  }

  @Test
  void batchesGoOnWhileACheckpointRunsInTheBackgroundAndACrashAtEachOfItsStepsKeepsEveryBatch() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> {
      put("a");
      put("gone");
    });
    added(() -> put("b")); // not written yet: the switch writes and fsyncs it to the first file before anything else
    redo.beginCheckpoint(checkpointer::add, () -> {});
    assertEquals(1, checkpointer.size(), "the MVStore file is written on the checkpointer, not here");
    assertTrue(redo.checkpointing());
    assertEquals(0, redo.recordsEnd(), "records go to the second file now");
    batch(() -> {
      put("c");
      strings().remove("gone");
    });
    assertEquals("b", strings().get("b"), "reads see the frozen layer");
    assertNull(strings().get("gone"), "and the new one over it");
    assertNull(file.openMap("strings").get("a"), "the MVStore map has nothing before the checkpointer runs");
    redo.beginCheckpoint(checkpointer::add, () -> {});
    assertEquals(1, checkpointer.size(), "one checkpoint at a time");

    // crash before the checkpointer ran: both files are replayed, the older generation first
    assertACrashKeeps(live, "before-checkpointer", "a", "b", "c");
    reopened(crashCopy(live, "removal-kept"), store -> assertNull(store.openMap("strings").get("gone")));
    byte[] firstFile = Files.readAllBytes(live.resolve(RedoLog.FILE_NAME));

    checkpointer.remove(0).run();
    assertFalse(redo.checkpointing());
    assertEquals("a", file.openMap("strings").get("a"), "the frozen layer is in the MVStore map");
    assertNull(file.openMap("strings").get("c"), "the layer written after the switch is not");
    assertArrayEquals(firstFile, Files.readAllBytes(live.resolve(RedoLog.FILE_NAME)),
        "the first file keeps its records until the next switch writes over them");
    // the MVStore file holds the next generation: the first file's records are older than it and not replayed
    assertACrashKeeps(live, "after-checkpointer", "a", "b", "c");
    reopened(crashCopy(live, "older-kept"), store -> {
      assertNull(store.openMap("strings").get("gone"), "the older records are not replayed over the newer");
      assertEquals("c", store.openMap("strings").get("c"));
    });

    batch(() -> put("d"));
    redo.beginCheckpoint(checkpointer::add, () -> {}); // the worker collects the finished one and starts the next
    assertEquals(1, checkpointer.size());
    batch(() -> put("e")); // back in the first file, written from its start over the older records
    assertTrue(redo.recordsEnd() > 0);
    assertEquals(RedoLog.PREALLOCATED, Files.size(live.resolve(RedoLog.FILE_NAME)),
        "records go over the file's preallocated bytes: its length, which an fdatasync would write, stays");
    assertACrashKeeps(live, "second-round-before-checkpointer", "a", "b", "c", "d", "e");
    checkpointer.remove(0).run();
    assertACrashKeeps(live, "second-round", "a", "b", "c", "d", "e");
  }

  @Test
  void recordsWrittenOverOlderOnesFromTheFileStartAreReplayedUpToTheFirstOlderOneWhereverTheyEnd() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    for (int i = 0; i < 20; i++) {
      int n = i;
      batch(() -> strings().put("k", "stale " + n + " " + "x".repeat(n * 5))); // generation g, in the first file
    }
    redo.beginCheckpoint(checkpointer::add, () -> {});
    batch(() -> strings().put("k", "fresh")); // generation g + 1, in the second file
    checkpointer.remove(0).run();
    redo.beginCheckpoint(checkpointer::add, () -> {}); // back to the first file, under generation g + 2
    // records of many sizes over the older ones: the new chain ends somewhere in or between them each time
    for (int i = 0; i < 12; i++) {
      int n = i;
      batch(() -> strings().put("new" + n, "y".repeat(n * 7)));
      reopened(crashCopy(live, "over-" + i), store -> {
        assertEquals("fresh", store.openMap("strings").get("k"), "no older record is replayed after the new ones");
        for (int k = 0; k < 12; k++) {
          assertEquals(k <= n ? "y".repeat(k * 7) : null, store.openMap("strings").get("new" + k), "new" + k);
        }
      });
    }
  }

  @Test
  void openingLeavesBothFilesPreallocatedWithZerosAndTheirRecordsGone() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> put("a"));
    redo.beginCheckpoint(checkpointer::add, () -> {});
    batch(() -> put("b"));
    Path crashed = crashCopy(live, "crashed");
    close();
    open(crashed);
    assertEquals("a", strings().get("a"));
    assertEquals("b", strings().get("b"));
    for (String name : List.of(RedoLog.FILE_NAME, RedoLog.OTHER_FILE_NAME)) {
      byte[] bytes = Files.readAllBytes(crashed.resolve(name));
      assertEquals(RedoLog.PREALLOCATED, bytes.length, name);
      for (byte b : bytes) assertEquals(0, b, name + " holds only zeros: the replayed records are in the MVStore file");
    }
  }

  @Test
  void recordsOfTheNextGenerationLeftFromBeforeACrashAreNotReplayedAfterTheRecordsWrittenSinceTheRestart()
      throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> put("a"));
    redo.beginCheckpoint(checkpointer::add, () -> {});
    batch(() -> strings().put("k", "before the crash")); // the next generation, in the second file
    Path crashed = crashCopy(live, "crashed");
    byte[] secondFile = Files.readAllBytes(crashed.resolve(RedoLog.OTHER_FILE_NAME));
    close();

    open(crashed); // replays both files and empties them
    assertEquals("before the crash", strings().get("k"));
    batch(() -> strings().put("k", "after the restart"));
    // the disk did not keep the emptying of the second file: its old records are still there
    Path again = crashCopy(crashed, "again");
    Files.write(again.resolve(RedoLog.OTHER_FILE_NAME), secondFile);
    reopened(again, store -> assertEquals("after the restart", store.openMap("strings").get("k")));
  }

  @Test
  void aCheckpointThatFailedInTheBackgroundIsDoneAgainAtOnceWithItsLayerBeforeTheNextRecord() throws IOException {
    Path live = dir.resolve("live");
    open(live);
    batch(() -> put("a"));
    // the MVStore file holds the next generation, then the step after the commit (the compaction) fails
    redo.beginCheckpoint(checkpointer::add, () -> {
      throw new IllegalStateException("the disk refused the compaction");
    });
    batch(() -> put("b"));
    checkpointer.remove(0).run();
    assertTrue(redo.broken());
    assertThrows(IllegalStateException.class, redo::force, "no fsync answers while the log is broken");

    batch(() -> put("c"));
    assertFalse(redo.broken());
    assertEquals("a", file.openMap("strings").get("a"));
    assertEquals("b", file.openMap("strings").get("b"), "the checkpoint at once took every layer");
    assertACrashKeeps(live, "after-failure", "a", "b", "c");
  }

  @Test
  void aValueOfAnotherTypeIsRefusedBeforeAnythingIsWritten() throws IOException {
    open(dir.resolve("live"));
    undo.over(file.<String, Object>openMap("odd")).put("k", 1.5d);
    assertThrows(IllegalArgumentException.class, () -> redo.add(undo.changes()));
    redo.write();
    assertEquals(0, redo.recordsEnd());
  }
}
