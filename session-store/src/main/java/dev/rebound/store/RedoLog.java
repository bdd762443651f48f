package dev.rebound.store;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The embedded store's redo log: what each batch wrote to the maps, appended to a file of its own ({@link #FILE_NAME},
 * and a second one, {@link #otherFile}) beside the MVStore file. A durable batch is made durable by appending its record
 * (and those of the batches before it) and fdatasyncing the file, instead of by an MVStore commit: a commit serialises
 * and writes every B-tree page the batch touched plus the chunk's metadata, about 15 KB a turn, where the record is the
 * turn's own bytes. The operations write to the {@link LayeredMap}s' top layers; a checkpoint (once a second, and when
 * the log grows past {@link #CHECKPOINT_BYTES}) takes them to the MVStore file, committed and fsynced, on the store's
 * checkpointer thread ({@link #beginCheckpoint}): the worker goes on meanwhile, writing its records to the other file.
 *
 * <p>Record: {@code int length, body, int crc32c(body)}; body: {@code long generation, int changes}, then per change the
 * map's name, the key, and the value (a tag: removed, bytes, long or string). Opening the store replays the records of
 * the file's current generation, in order, then those of the next one, onto the maps as the MVStore file last held them;
 * each change sets a key to its value after the batch, so replaying a record the file already holds changes nothing.
 * Replay of a file stops at the first record that is cut short, fails its checksum (a write a crash interrupted: never
 * answered as durable) or belongs to another generation.
 *
 * <p>Generations: each log file holds one generation's records from its start. A checkpoint writes and fsyncs the
 * records of generation n, then the worker writes those of n + 1 to the other file; the checkpointer stores n + 1 in the
 * MVStore file (in the {@code counters} map, committed and fsynced with the maps as they were at the switch). The file of
 * n keeps its records until the switch after that writes n + 2 over them from its start: a crash before the MVStore
 * file holds n + 1 replays n's file, then n + 1's; a crash after it leaves records of n that the file already holds:
 * skipped. Records of an older generation left after the newest ones (overwritten from the start, or a truncation the
 * disk did not keep) end the replay at the first of them. Within one run of the store each generation is written once,
 * and opening empties both files ({@link #checkpoint}) after it moved past every generation on disk, so a file never
 * holds an older record of the generation being replayed.
 *
 * <p>Both files are {@link #PREALLOCATED} with zeros when the log is reset (opening, after a failure; a store that
 * closes leaves them empty), and each switch writes its file from the start again: an fdatasync then has only the
 * records to write. A zero length ends the replay as a record cut short does.
 *
 * <p>Failures: a write, fsync or checkpoint that fails leaves the log {@code broken}: a write may have left a fragment
 * that would hide every record after it from replay, a failed fsync may have let the kernel drop the pages it could not
 * write (so a later fsync succeeds over a hole), and a checkpoint may have stored the next generation without the log
 * moving to it. While broken, no fsync answers (their batches fail) and the next write checkpoints first, at once on
 * the worker: the MVStore file, fsynced, then holds everything, and both files start again from empty. If that fails
 * too, the write fails.
 *
 * <p>Threads: the store's worker adds, writes, switches files; the syncer calls {@link #force} at the same time (a
 * FileChannel allows that); the checkpointer writes the MVStore file. Not otherwise thread-safe.
 */
final class RedoLog implements Closeable {

  static final String FILE_NAME = "sessions.redo";
  /** The second log file: a checkpoint switches from one to the other. */
  static final String OTHER_FILE_NAME = FILE_NAME + ".1";
  /** The key, in the {@code counters} map, of the generation whose records the MVStore file does not hold yet. */
  static final String GENERATION_KEY = "redoGeneration";
  /**
   * A log past this size is checkpointed before the next batch: bounds replay, and the changes the MVStore file has not
   * been given yet. Those live until the checkpoint; at 1 MB (about a tenth of a second of the sessions bench) most die
   * young, where at 4 or 16 MB they filled the old generation of the shipped 256 MB heap: two to three times the full
   * collections (170 ms each) and 50 MB more RSS.
   */
  static final long CHECKPOINT_BYTES = 1024 * 1024;
  /**
   * Each log file's length, written as zeros when the log is reset: records then overwrite bytes the file already has,
   * and fdatasync writes them without the file's size and block map, which an append changes every time. Measured on
   * ext4 (1.5 KB records): 36-38 us of CPU and 108-114 us a write and fdatasync, against 78-86 us and 204-228 us
   * appending. Room for two checkpoints' worth: a log that grows past it while a checkpoint runs appends as before.
   */
  static final long PREALLOCATED = 2 * CHECKPOINT_BYTES;

  private static final byte REMOVED = 0;
  private static final byte BYTES = 1;
  private static final byte LONG = 2;
  private static final byte STRING = 3;
  private static final int FRAME = 8; // length and checksum around a body

  private final MVStore store;
  private final MVMap<String, Long> counters;
  /** The two log files: records go to {@code files[current]}; a checkpoint switches to the other one. */
  private final FileChannel[] files;
  private int current;
  /** The file written now, for the syncer (switched by the worker at a checkpoint). */
  private volatile FileChannel channel;
  private long generation;
  /** The maps whose layers the checkpoints take to the MVStore file. */
  private List<LayeredMap<?>> maps = List.of();
  /** Records added but not in the file yet; and one record's body while it is encoded. */
  private final Buffer pending = new Buffer();
  private final DataOutputStream pendingOut = new DataOutputStream(pending);
  private final Buffer body = new Buffer();
  private final DataOutputStream bodyOut = new DataOutputStream(body);
  /** Bytes in the log file since the last checkpoint. */
  private long written;
  /** Checkpoints started in the background. */
  private long switches;
  /** The checkpoint the checkpointer runs or ran last, until the worker collects it. */
  private CompletableFuture<Void> inFlight;
  /**
   * A write, fsync or checkpoint failed and no checkpoint has succeeded since (set by the worker, the syncer or the
   * checkpointer).
   */
  private volatile boolean broken;

  private RedoLog(MVStore store, MVMap<String, Long> counters, FileChannel[] files, long generation) {
    this.store = store;
    this.counters = counters;
    this.files = files;
    this.channel = files[0];
    this.generation = generation;
  }

  /** The second log file beside {@code path}: see {@link #beginCheckpoint}. */
  static Path otherFile(Path path) {
    return path.resolveSibling(path.getFileName() + OTHER_FILE_NAME.substring(FILE_NAME.length()));
  }

  /** The maps whose writes this log records: their layers go to the MVStore file at a checkpoint. */
  void track(List<LayeredMap<?>> maps) {
    this.maps = List.copyOf(maps);
  }

  /**
   * Opens the log at {@code path}, replays onto {@code store}'s maps what the store's file does not hold yet, and
   * checkpoints: the replayed changes go to the MVStore file and the log starts empty.
   *
   * @param counters the map where the generation is kept (in {@code store})
   */
  static RedoLog open(MVStore store, MVMap<String, Long> counters, Path path) {
    return open(store, counters, path, FileChannel::open);
  }

  /** How the log's file is opened (tests wrap the channel to fail where a disk would). */
  @FunctionalInterface
  interface Opener {
    FileChannel open(Path path, StandardOpenOption... options) throws IOException;
  }

  static RedoLog open(MVStore store, MVMap<String, Long> counters, Path path, Opener opener) {
    FileChannel[] files = new FileChannel[2];
    try {
      files[0] = opener.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      files[1] = opener.open(otherFile(path), StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      // the files (and a directory just made) must still be there after a power cut: their names are fsynced too
      Path directory = path.toAbsolutePath().getParent();
      syncDirectory(directory);
      if (directory.getParent() != null) syncDirectory(directory.getParent());
      long generation = counters.getOrDefault(GENERATION_KEY, 0L);
      // the file's own generation first, then the next one's (written after a switch whose checkpoint did not finish)
      long newest = generation;
      for (long g = generation; g <= generation + 1; g++) {
        for (FileChannel file : files) {
          if (firstGeneration(file) == g) replay(file, g, store);
        }
      }
      for (FileChannel file : files) newest = Math.max(newest, firstGeneration(file));
      // the checkpoint below moves past every generation on disk: a log whose emptying the disk did not keep must not
      // hold records of the generation written next
      RedoLog log = new RedoLog(store, counters, files, newest);
      log.checkpoint();
      return log;
    } catch (IOException | RuntimeException e) {
      for (FileChannel file : files) {
        if (file == null) continue;
        try {
          file.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof RuntimeException r) throw r;
      throw new UncheckedIOException("cannot open the redo log " + path + ": " + e.getMessage(), (IOException) e);
    }
  }

  /** The generation of a file's first whole record, or -1 when it has none. */
  private static long firstGeneration(FileChannel channel) throws IOException {
    ByteBuffer first = record(channel, 0, channel.size());
    return first == null ? -1 : first.getLong(0);
  }

  /**
   * The body of the record at {@code at}, positioned at its start and limited to its end; null when the record is cut
   * short or fails its checksum (a write a crash interrupted).
   */
  private static ByteBuffer record(FileChannel channel, long at, long size) throws IOException {
    if (at + FRAME > size) return null;
    ByteBuffer length = ByteBuffer.allocate(4);
    readFully(channel, length, at);
    int bodyLength = length.flip().getInt();
    if (bodyLength < 12 || bodyLength > size - at - FRAME) return null;
    ByteBuffer record = ByteBuffer.allocate(bodyLength + 4);
    readFully(channel, record, at + 4);
    CRC32C crc = new CRC32C();
    crc.update(record.array(), 0, bodyLength);
    if ((int) crc.getValue() != record.getInt(bodyLength)) return null;
    return record.flip().limit(bodyLength);
  }

  /** Applies the records of {@code generation}, in order, up to the first that is cut short or not whole. */
  static void replay(FileChannel channel, long generation, MVStore store) throws IOException {
    long size = channel.size();
    long at = 0;
    for (ByteBuffer record; (record = record(channel, at, size)) != null; ) {
      if (record.getLong() != generation) break; // left from before a cut
      at += FRAME + record.limit();
      apply(record, store);
    }
  }

  private static void apply(ByteBuffer record, MVStore store) {
    int changes = record.getInt();
    for (int i = 0; i < changes; i++) {
      MVMap<Object, Object> map = store.openMap(string(record));
      String key = string(record);
      byte tag = record.get();
      switch (tag) {
        case REMOVED -> map.remove(key);
        case BYTES -> {
          byte[] value = new byte[record.getInt()];
          record.get(value);
          map.put(key, value);
        }
        case LONG -> map.put(key, record.getLong());
        case STRING -> map.put(key, string(record));
        default -> throw new IllegalStateException("redo log record with an unknown value tag " + tag);
      }
    }
  }

  /** Worker: encodes one batch's changes as a record; it reaches the file with the next {@link #write}. */
  void add(List<UndoLog.Change> changes) {
    if (changes.isEmpty()) return;
    try {
      body.reset();
      bodyOut.writeLong(generation);
      bodyOut.writeInt(changes.size());
      for (UndoLog.Change c : changes) {
        writeString(bodyOut, c.map().name());
        writeString(bodyOut, c.key());
        Object value = c.value();
        if (value == null) {
          bodyOut.writeByte(REMOVED);
        } else if (value instanceof byte[] bytes) {
          bodyOut.writeByte(BYTES);
          bodyOut.writeInt(bytes.length);
          bodyOut.write(bytes);
        } else if (value instanceof Long n) {
          bodyOut.writeByte(LONG);
          bodyOut.writeLong(n);
        } else if (value instanceof String s) {
          bodyOut.writeByte(STRING);
          writeString(bodyOut, s);
        } else {
          throw new IllegalArgumentException("the redo log cannot hold a " + value.getClass().getName());
        }
      }
      CRC32C crc = new CRC32C();
      crc.update(body.array(), 0, body.size());
      pendingOut.writeInt(body.size());
      body.writeTo(pending);
      pendingOut.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: does not happen
    }
  }

  /**
   * Worker: appends the records added since the last write to the file (not fsynced: {@link #force}). A log broken by
   * an earlier failure is checkpointed instead, which puts them in the MVStore file.
   */
  void write() {
    if (broken) checkpoint();
    if (pending.size() == 0) return;
    try {
      ByteBuffer bytes = ByteBuffer.wrap(pending.array(), 0, pending.size());
      while (bytes.hasRemaining()) channel.write(bytes);
      written += pending.size();
      pending.release();
    } catch (IOException | RuntimeException e) {
      broken = true; // part of it may be in the file: nothing after it would be replayed
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** Syncer: makes every record written so far durable; fails while the log is broken. */
  void force() {
    if (broken) throw new IllegalStateException("the redo log failed earlier and is not checkpointed yet");
    try {
      channel.force(false);
    } catch (IOException | RuntimeException e) {
      broken = true; // the kernel may have dropped what it could not write: a later fsync would not cover it
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** Whether the log has grown enough that the next batch should checkpoint first. */
  boolean full() {
    return written + pending.size() > CHECKPOINT_BYTES;
  }

  /** Whether anything was written to the maps since the last checkpoint. */
  boolean dirty() {
    return written > 0 || pending.size() > 0 || store.hasUnsavedChanges();
  }

  /**
   * Worker, between batches: starts a checkpoint that does not hold up the worker, unless the last one still runs. The
   * records so far are written and fsynced (no record of the next generation reaches the disk before them); records
   * go to the other file from now on, under the next generation; and the maps' changes so far become their frozen
   * layers. The checkpointer then copies those into the MVStore maps and commits and fsyncs the MVStore file with the
   * next generation in it; the file switched away from keeps its records until the next switch writes over them. A
   * crash before the commit leaves both files to replay: the older generation's records, then the newer's.
   *
   * @param checkpointer the thread that writes the MVStore file
   * @param after runs on the checkpointer once the file is committed (the periodic compaction)
   */
  void beginCheckpoint(Executor checkpointer, Runnable after) {
    collectFinished();
    if (inFlight != null) return;
    if (broken) {
      checkpoint(); // at once, with everything: see the class comment
      return;
    }
    write();
    FileChannel old = files[current];
    try {
      old.force(false);
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    long next = generation + 1;
    FileChannel fresh = files[1 - current];
    try {
      // its records are of generation n - 1, which the MVStore file holds since the last checkpoint: written over
      fresh.position(0);
    } catch (IOException e) {
      broken = true;
      throw new UncheckedIOException(e);
    }
    maps.forEach(LayeredMap::freeze);
    current = 1 - current;
    channel = fresh;
    generation = next;
    written = 0;
    switches++;
    CompletableFuture<Void> done = new CompletableFuture<>();
    inFlight = done;
    checkpointer.execute(() -> {
      try {
        for (LayeredMap<?> map : maps) map.copyFrozenToBase();
        counters.put(GENERATION_KEY, next);
        store.commit();
        store.sync();
        after.run();
        done.complete(null);
      } catch (Throwable e) {
        broken = true; // the next write checkpoints at once, frozen layer included
        done.completeExceptionally(e);
      }
    });
  }

  /** Worker: forgets a finished checkpoint; the MVStore maps hold its layers now, unless it failed. */
  void collectFinished() {
    if (inFlight == null || !inFlight.isDone()) return;
    boolean failed = inFlight.isCompletedExceptionally();
    inFlight = null;
    if (!failed) maps.forEach(LayeredMap::dropFrozen);
  }

  /** Checkpoints started in the background so far: switches from one log file to the other (tests). */
  long switches() {
    return switches;
  }

  /** Whether a checkpoint runs on the checkpointer now (tests). */
  boolean checkpointing() {
    return inFlight != null && !inFlight.isDone();
  }

  /**
   * Worker, between batches, once a checkpoint that runs is done: every layer goes to the MVStore maps, the file is
   * committed and fsynced with the next generation in it, and both log files are emptied and preallocated again.
   * Everything added so far is in the file after it, records not written yet included. For opening, closing and after
   * a failure.
   */
  void checkpoint() {
    checkpoint(true);
  }

  /** {@link #checkpoint}, for a store about to close: the log files are left empty, not preallocated. */
  void checkpointBeforeClose() {
    checkpoint(false);
  }

  private void checkpoint(boolean preallocate) {
    if (inFlight != null) {
      try {
        inFlight.join();
      } catch (CompletionException | CancellationException failed) {
        // its layer is still there (broken): this one takes it
      }
      collectFinished();
    }
    long next = generation + 1;
    try {
      for (LayeredMap<?> map : maps) map.copyAllToBase();
      counters.put(GENERATION_KEY, next);
      store.commit();
      store.sync();
      for (FileChannel file : files) {
        if (preallocate) preallocate(file);
        else file.truncate(0);
      }
    } catch (IOException | RuntimeException e) {
      // the file may hold the next generation already: no record is written until a checkpoint succeeds
      broken = true;
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    generation = next;
    written = 0;
    pending.release();
    broken = false;
  }

  /**
   * Empties {@code file} and writes {@link #PREALLOCATED} zeros into it, fsynced, size included; leaves it positioned
   * at its start. Emptied first: no record of any generation is left in it.
   */
  private static void preallocate(FileChannel file) throws IOException {
    file.truncate(0);
    ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
    for (long at = 0; at < PREALLOCATED; at += zeros.capacity()) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), PREALLOCATED - at));
      while (zeros.hasRemaining()) file.write(zeros, at + zeros.position());
    }
    file.force(true);
    file.position(0);
  }

  /** Whether a failure left the log waiting for a checkpoint (tests). */
  boolean broken() {
    return broken;
  }

  /** Bytes of records in the log file written now: where the next record goes (tests). */
  long recordsEnd() throws IOException {
    return channel.position();
  }

  @Override
  public void close() throws IOException {
    try {
      files[0].close();
    } finally {
      files[1].close();
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String string(ByteBuffer in) {
    byte[] utf8 = new byte[in.getInt()];
    in.get(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static void readFully(FileChannel channel, ByteBuffer into, long at) throws IOException {
    while (into.hasRemaining()) {
      if (channel.read(into, at + into.position()) < 0) throw new IOException("redo log ended while read");
    }
  }

  /**
   * Best effort: Linux fsyncs a directory opened for reading; other systems (Windows, some macOS file systems) refuse to
   * open or force one, and a store that would not open there is worse than a name not yet on disk.
   */
  private static void syncDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported here: see above
    }
  }

  /** A byte array output stream whose array is read in place, and dropped when it grew large. */
  private static final class Buffer extends ByteArrayOutputStream {
    private static final int KEPT = 256 * 1024;

    Buffer() {
      super(16 * 1024);
    }

    byte[] array() {
      return buf;
    }

    /** Empties the buffer; one a large batch grew is not kept. */
    void release() {
      reset();
      if (buf.length > KEPT) buf = new byte[16 * 1024];
    }
  }
}
