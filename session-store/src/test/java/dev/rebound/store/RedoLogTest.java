package dev.rebound.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
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
  private FailingChannel channel;

  private void open(Path at) throws IOException {
    Files.createDirectories(at);
    file = new MVStore.Builder().fileName(at.resolve("s.mv.db").toString()).autoCommitDisabled()
        .autoCommitBufferSize(0).open();
    redo = RedoLog.open(file, counters(file), at.resolve(RedoLog.FILE_NAME),
        (path, options) -> channel = new FailingChannel(java.nio.channels.FileChannel.open(path, options)));
    undo = new UndoLog();
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

  private UndoLog.Logged<String, byte[]> bytes() {
    return undo.over(file.openMap("bytes"));
  }

  private UndoLog.Logged<String, Long> longs() {
    return undo.over(file.openMap("longs"));
  }

  private UndoLog.Logged<String, String> strings() {
    return undo.over(file.openMap("strings"));
  }

  /** The two files as they are on disk now, in a directory of their own. */
  private Path crashCopy(Path from, String name) throws IOException {
    Path to = dir.resolve(name);
    Files.createDirectories(to);
    Files.copy(from.resolve("s.mv.db"), to.resolve("s.mv.db"));
    Files.copy(from.resolve(RedoLog.FILE_NAME), to.resolve(RedoLog.FILE_NAME));
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
    assertEquals(0, redo.fileSize());

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
    long firstEnds = redo.fileSize();
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
  void aValueOfAnotherTypeIsRefusedBeforeAnythingIsWritten() throws IOException {
    open(dir.resolve("live"));
    undo.over(file.<String, Object>openMap("odd")).put("k", 1.5d);
    assertThrows(IllegalArgumentException.class, () -> redo.add(undo.changes()));
    redo.write();
    assertEquals(0, redo.fileSize());
  }
}
