package dev.rebound.store;

import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.tx.Transaction;
import org.h2.mvstore.tx.TransactionMap;
import org.h2.mvstore.tx.TransactionStore;

/**
 * The default {@link CheckpointStore}: one H2 MVStore file on local disk, with the same semantics as the Redis store.
 *
 * <p>Threading: every operation runs on this store's own single-thread worker ({@link GroupCommitQueue}), so
 * operations are serialized (which makes the version check and the write one step) and the event loop never touches
 * the disk; the fsync runs on a second thread, the syncer, and the MVStore file is written on a third, the
 * checkpointer ({@link RedoLog#beginCheckpoint}), so that no operation waits for a commit of the file (10-15 ms each
 * under load, and longer as the file grows). MVStore's own background writer and its two serialization threads are
 * off ({@code autoCommitDisabled}): each commit hopped across them and back, which under load took more of the
 * worker's time than the writing itself. MVStore's write on memory pressure is off too ({@code autoCommitBufferSize(0)}):
 * the file is written only at a checkpoint.
 *
 * <p>Atomicity: the operations queued while the worker was busy run as one batch, in order, each behind a mark in the
 * batch's {@link UndoLog} that its changes are rolled back to if it fails. The operations write to the top layers of
 * {@link LayeredMap}s over plain MVMaps; a checkpoint freezes the layers between two operations and copies them into
 * the MVMaps, so every version of the file on disk ends with a whole operation, and after a crash the file opens at
 * its last whole version, so no half write is ever visible. (Files written before this layout, by MVStore's
 * TransactionStore, are converted once when opened: {@link #convertTransactionMaps}.)
 * Durability: a write that stores an answer ({@link #storesAnAnswer}), a fork, a restore, a delete or a kept response
 * is answered only after its batch is in the {@link RedoLog} and the log is fsynced: group commit, one fsync for
 * whatever was written meanwhile, so a turn a client was told about survives kill -9 and power loss. Other writes (the
 * user turn on the way in, partial answers, events, checkpoint-only appends) are answered once their batch has run;
 * they reach the log with the next durable batch. The MVStore file is committed and fsynced at the log's checkpoint,
 * each second ({@link #WRITE_EVERY_MS}) and whenever the log has grown past {@link RedoLog#CHECKPOINT_BYTES}; opening
 * the store replays the logs onto it. (An MVStore commit per durable batch, as before the log, cost each turn about
 * 15 KB of pages and chunk metadata written and a quarter more of the gateway's CPU.) The store compacts the file a
 * little at each second's checkpoint too.
 *
 * <p>Layout (maps, each named {@link #LAYOUT} + the name below; {@code #n} = 19-digit zero-padded number so keys
 * sort; {@code s} = where the session is: {@code ~} and its number, 19 digits too, or its {@code tenant/id} for a
 * session written before sessions were numbered, see {@link Tx#rowsOf}):
 * {@code rows} tenant/id -> the session's number, {@code meta} s -> JSON (with the session's expiry, so that a write
 * reads the expiry map only for a session without one), {@code msgs} s#index -> encoded message, {@code cps} s#seq ->
 * framed checkpoint (both via {@link MessageCodec}), {@code events} s#eventId -> the events of one append, from that id
 * on ({@link EventRows}), {@code eventCount} s -> events kept, {@code expiry} tenant/id -> epoch millis, {@code index}
 * tenant/(MAX-updated)/id -> "" (listing, newest first), {@code counters} "event" -> last event id (ids grow store-wide,
 * across delete/recreate) and "rows" -> the last number given, {@code responses} tenant/responseId -> JSON (a kept
 * Responses API response and its expiry).
 *
 * <p>Expiry: a session whose expiry has passed reads as missing at once, and is removed by that read or by the
 * periodic purge ({@link EmbeddedStoreOptions#purgeInterval()}).
 *
 * <p>What a write rewrites: each commit writes every B-tree page a batch changed. Sessions begun about the same time
 * sit together in the maps keyed by their number, and new ones at the end, so a commit rewrites a few pages of each
 * such map, not one per session it wrote; in the maps keyed by {@code tenant/id} each session sits on a page of its
 * own, and those are written once per session, or once a second or a tenth of the TTL at most. As in the Redis
 * store, a session's place in the listing moves at most once a second
 * ({@link RedisCheckpointStore#INDEX_REFRESH_MILLIS}; the meta's {@code listed} says where its index entry is), and its
 * expiry is pushed back once a tenth of the TTL has passed since it was last set: it expires between 0.9 and 1 TTL
 * after its last write. A turn's write then changes three maps (msgs, cps, meta), not five, at their right edge.
 */
public final class EmbeddedCheckpointStore implements CheckpointStore {

  public static final String FILE_NAME = "sessions.mv.db";

  private static final AtomicInteger INSTANCES = new AtomicInteger();
  /** Operations per batch at most: bounds the undo log and the wait of the batch's first operation. */
  private static final int MAX_BATCH = 256;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** How often the log is checkpointed (the MVStore file written and fsynced), and the file compacted a little. */
  static final long WRITE_EVERY_MS = 1000;
  /**
   * How long a caller waits for an operation before it fails as unavailable (checked every {@link #WRITE_EVERY_MS}):
   * the Redis store's command timeout. A healthy disk answers in milliseconds; past this the disk is taken as stalled
   * and the gateway serves on in degraded mode.
   */
  static final Duration ANSWER_WITHIN = RedisStoreOptions.DEFAULT_TIMEOUT;
  /**
   * The maps (layout 2: plain MVMaps); names carry the layout so that a file of the first layout (the same maps under
   * the bare names, kept by a TransactionStore) is recognised and converted.
   */
  private static final List<String> MAPS =
      List.of("meta", "msgs", "cps", "events", "eventCount", "expiry", "index", "counters", "responses", "rows");
  static final String LAYOUT = "v2/";
  /** While a file of the first layout is converted, what is copied is written once this much is held in memory. */
  static final int CONVERT_UNSAVED_BYTES = 8 * 1024 * 1024;
  /** Below this share of live data in the file's chunks, the oldest, emptiest chunks are rewritten (MVStore's 90 %, squared, busy). */
  static final int COMPACT_FILL_RATE = 80;
  /**
   * MVStore's page cache, in MB. Every commit puts the pages it wrote into the cache, so under load its content turns
   * over a few times a second: at MVStore's default of 16 MB the pages lived long enough to be promoted to the old
   * generation before they were evicted, and the shipped heap (256 MB, serial collector) ran full collections of
   * 100-160 ms every few seconds. At 4 MB most die young, and a turn's pages, read again within milliseconds, are still
   * cached (sessions-embedded bench: about a fifth more turns per second, half the time in GC per turn).
   */
  static final int PAGE_CACHE_MB = 4;
  /** Bytes of old chunks rewritten per periodic compaction at most: bounds the worker's time it takes. */
  private static final int COMPACT_WRITE_BYTES = 1024 * 1024;

  private final Vertx vertx;
  private final EmbeddedStoreOptions options;
  private final Clock clock;
  private final WorkerExecutor worker;
  private final WorkerExecutor syncer;
  /** Writes the MVStore file at a checkpoint, while the worker goes on ({@link RedoLog#beginCheckpoint}). */
  private final WorkerExecutor checkpointer;
  private final MVStore file;
  private final RedoLog redo;
  private final GroupCommitQueue<Tx> operations;
  private final long purgeTimer;
  private final long writeTimer;
  private volatile boolean closed;

  /** Opens (or creates) the store under {@code options.directory()}; the file is opened off the event loop. */
  public static Future<EmbeddedCheckpointStore> open(Vertx vertx, EmbeddedStoreOptions options) {
    return open(vertx, options, FileChannel::open, ANSWER_WITHIN);
  }

  /** @param opener opens the log's files (tests: a disk that fails or stalls) */
  static Future<EmbeddedCheckpointStore> open(Vertx vertx, EmbeddedStoreOptions options, RedoLog.Opener opener,
      Duration answerWithin) {
    String name = "rebound-embedded-store-" + INSTANCES.incrementAndGet();
    WorkerExecutor worker = vertx.createSharedWorkerExecutor(name, 1);
    WorkerExecutor syncer = vertx.createSharedWorkerExecutor(name + "-sync", 1);
    WorkerExecutor checkpointer = vertx.createSharedWorkerExecutor(name + "-checkpoint", 1);
    return worker.executeBlocking(() -> openFile(options.directory(), opener), true)
        .map(opened -> new EmbeddedCheckpointStore(vertx, options, worker, syncer, checkpointer, opened, answerWithin))
        .onFailure(err -> {
          worker.close();
          syncer.close();
          checkpointer.close();
        });
  }

  private record OpenedFile(MVStore file, RedoLog redo) {}

  /** Disk work: runs on the worker. */
  private static OpenedFile openFile(Path directory, RedoLog.Opener opener) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create store directory " + directory, e);
    }
    MVStore file;
    try {
      // 4 KB pages, not MVStore's 16 KB default: every group commit rewrites each B-tree page a turn touched, and with
      // smaller pages it rewrites a quarter of the bytes (a checkpointed turn cost the gateway about a quarter less CPU)
      // no background writer and no write on memory pressure: the file is written only where the store commits, on
      // its worker (see the class comment); a page cache of PAGE_CACHE_MB, not MVStore's 16 MB
      file = new MVStore.Builder().fileName(directory.resolve(FILE_NAME).toString()).pageSplitSize(4 * 1024)
          .autoCommitDisabled().autoCommitBufferSize(0).cacheSize(PAGE_CACHE_MB).open();
    } catch (MVStoreException e) {
      // said in words the caller can act on, instead of H2's "The file is locked: <file> [2.4.240/7]"
      if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) throw new StoreInUseException(directory.toAbsolutePath(), e);
      throw e;
    }
    try {
      convertTransactionMaps(file);
      for (String name : MAPS) file.openMap(LAYOUT + name); // read here, off the event loop; the batch finds them open
      // what the last run made durable after the file's last checkpoint is replayed from the log
      return new OpenedFile(file, RedoLog.open(file, file.openMap(LAYOUT + "counters"),
          directory.resolve(RedoLog.FILE_NAME), opener));
    } catch (RuntimeException e) {
      file.closeImmediately();
      throw e;
    }
  }

  /**
   * A file of the first layout (the maps under their bare names, values kept by MVStore's TransactionStore) becomes
   * one of this layout: what was committed is copied to the new maps, then everything else is removed. The old maps go
   * only in the last commit: a crash before it leaves them as they were, and the next open converts them again.
   */
  static void convertTransactionMaps(MVStore file) {
    convertTransactionMaps(file, CONVERT_UNSAVED_BYTES);
  }

  static void convertTransactionMaps(MVStore file, int unsavedBytes) {
    if (MAPS.stream().noneMatch(file::hasMap)) return;
    TransactionStore old = new TransactionStore(file);
    old.init();
    old.endLeftoverTransactions(); // what a crash interrupted was never committed
    Transaction reading = old.begin();
    for (String name : MAPS) {
      if (!file.hasMap(name)) continue;
      TransactionMap<Object, Object> from = reading.openMap(name);
      MVMap<Object, Object> to = file.openMap(LAYOUT + name);
      for (Map.Entry<Object, Object> e : from.entrySet()) {
        to.put(e.getKey(), e.getValue());
        // a large file is not converted in memory whole: what is copied so far is written now and then (the old maps
        // are still there, so a crash here only means converting again)
        if (file.getUnsavedMemory() > unsavedBytes) file.commit();
      }
    }
    reading.rollback();
    for (String name : List.copyOf(file.getMapNames())) {
      if (!name.startsWith(LAYOUT)) file.removeMap(name);
    }
    file.commit();
    file.sync();
  }

  private EmbeddedCheckpointStore(Vertx vertx, EmbeddedStoreOptions options, WorkerExecutor worker,
      WorkerExecutor syncer, WorkerExecutor checkpointer, OpenedFile opened, Duration answerWithin) {
    this.vertx = vertx;
    this.options = options;
    this.clock = options.clock();
    this.worker = worker;
    this.syncer = syncer;
    this.checkpointer = checkpointer;
    this.file = opened.file();
    this.redo = opened.redo();
    Tx batch = new Tx(file);
    redo.track(batch.maps());
    this.operations = new GroupCommitQueue<>(vertx, worker, syncer, batch::begin, redo::write, redo::force, MAX_BATCH,
        answerWithin, System::nanoTime);
    this.purgeTimer = vertx.setPeriodic(options.purgeInterval().toMillis(), id -> run(Tx::purgeExpired));
    this.writeTimer = vertx.setPeriodic(WRITE_EVERY_MS, id -> {
      operations.expireOverdue();
      betweenBatches(this::writeAndCompact);
    });
  }

  /**
   * Worker: the housekeeping MVStore's background writer did, started here and done on the checkpointer. Everything
   * written since the last checkpoint goes to the file (a checkpoint of the log); and since every write leaves parts of
   * older chunks dead, the live pages of a few of the oldest, emptiest chunks are rewritten, so that whole chunks die and
   * their space is reused instead of the file growing. Skipped for a second while the last checkpoint still runs.
   */
  private void writeAndCompact() {
    if (file.isClosed() || !redo.dirty()) return; // an idle store does not fsync every second
    redo.beginCheckpoint(this::onCheckpointer, this::compact);
  }

  /** A little of the file's dead space made reusable: see {@link #writeAndCompact}. */
  private void compact() {
    if (file.compact(COMPACT_FILL_RATE, COMPACT_WRITE_BYTES)) file.commit();
  }

  /**
   * Runs {@code work} on the worker between two batches, not as an operation inside one: a checkpoint must freeze the
   * layers where no batch can still roll back what it wrote before them. The worker has one thread, so this task and a
   * batch never run at once.
   */
  private Future<Void> betweenBatches(Runnable work) {
    if (closed) return Future.failedFuture(new IllegalStateException("embedded store is closed"));
    return worker.executeBlocking(() -> {
      work.run();
      return null;
    }, true);
  }

  /** Runs a checkpoint's MVStore work on the checkpointer thread. */
  private void onCheckpointer(Runnable work) {
    checkpointer.executeBlocking(() -> {
      work.run();
      return null;
    }, false);
  }

  /**
   * How long a chunk with no live data left is kept before its space is reused (tests; MVStore's default, 45 s, guards
   * against a file system that reorders writes of data not fsynced yet, and is too long for a test to wait out).
   */
  Future<Void> retainDeadChunksFor(long millis) {
    return run(tx -> {
      file.setRetentionTime((int) millis);
      return null;
    });
  }

  /** Writes everything to the file at once, and compacts as the periodic write does (tests). */
  Future<Void> writeNow() {
    return betweenBatches(() -> {
      if (file.isClosed()) return;
      redo.checkpoint();
      compact();
    });
  }

  public EmbeddedStoreOptions options() {
    return options;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public Future<SessionMeta> append(SessionKey key, Append append) {
    return run(storesAnAnswer(append), tx -> {
      StoredMeta stored = tx.liveStored(key);
      SessionMeta current = stored == null ? null : stored.meta();
      long version = current == null ? 0 : current.version();
      if (append.expectedVersion() != version) throw new StaleWriteException(key, append.expectedVersion(), version);
      if (current != null && append.expectedCreated() != null && !append.expectedCreated().equals(current.created())) {
        throw new StaleWriteException(key, version, append.expectedCreated(), current.created());
      }
      Instant now = now();
      List<StoredMessage> incoming = new ArrayList<>(append.messages().size());
      for (NewMessage m : append.messages()) {
        incoming.add(new StoredMessage(-1, m.role(), m.json(), m.partial(), now, m.usage()));
      }
      // a replaced history rewinds to no message first, in the same transaction as the rest of the write
      return tx.write(key, stored, append.replaceHistory() ? 0 : -1, append.replacePartial(), incoming,
          append.checkpoint(), append.metaOrNone(), null, now);
    });
  }

  /**
   * Whether the write ends with a complete answer: the turn a client is told about once it is stored, so it goes to
   * disk (fsynced) before anyone learns it is stored. The user turn stored on the way in, a partial answer, a
   * checkpoint alone: nobody has seen those complete; they reach the file as their batch commits, and the fsync of the
   * answer that follows them (or of any later durable write) covers them too. A write whose last message is an
   * assistant's for another reason (a request ending in a prefill) is fsynced as well: when in doubt, durable.
   */
  static boolean storesAnAnswer(Append append) {
    List<NewMessage> messages = append.messages();
    if (messages.isEmpty()) return false;
    NewMessage last = messages.get(messages.size() - 1);
    return !last.partial() && "assistant".equals(last.role());
  }

  @Override
  public Future<SessionMeta> fork(SessionKey from, int checkpointSeq, SessionKey to) {
    return run(true, tx -> {
      if (to == null) throw new IllegalArgumentException("fork target is required");
      StoredMeta stored = tx.liveStored(from);
      if (stored == null) throw new SessionNotFoundException(from);
      SessionMeta source = stored.meta();
      Checkpoint cp = CheckpointLookup.usable(from, tx.checkpoints(stored), checkpointSeq);
      if (tx.liveMeta(to) != null) throw new SessionExistsException(to);
      List<StoredMessage> history = tx.messages(stored, 0, cp.messageCount());
      CheckpointDraft copy = new CheckpointDraft(CheckpointKind.MANUAL, cp.label(), cp.contextView(), cp.tokens(),
          CheckpointLookup.forkReason(from, checkpointSeq));
      MetaChange change = CheckpointLookup.forkMeta(source, history);
      return tx.write(to, null, -1, false, history, copy, change, CheckpointLookup.forkedFrom(from, checkpointSeq),
          now());
    });
  }

  @Override
  public Future<SessionMeta> restore(SessionKey key, int checkpointSeq, long expectedVersion) {
    return run(true, tx -> {
      StoredMeta stored = tx.liveStored(key);
      if (stored == null) throw new SessionNotFoundException(key);
      SessionMeta current = stored.meta();
      if (checkpointSeq < 1 || checkpointSeq > current.checkpointCount()) {
        throw new SessionNotFoundException(key, checkpointSeq);
      }
      if (expectedVersion != current.version()) throw new StaleWriteException(key, expectedVersion, current.version());
      Checkpoint cp = CheckpointLookup.usable(key, tx.checkpoints(stored), checkpointSeq);
      CheckpointDraft marker = new CheckpointDraft(CheckpointKind.MANUAL, null, cp.contextView(), cp.tokens(),
          CheckpointLookup.restoreReason(checkpointSeq));
      // the turns the rewind drops no longer count (those a compaction summarised still do)
      List<StoredMessage> all = tx.messages(stored, 0, current.messageCount());
      MetaChange counted = new MetaChange(null, null, null,
          CheckpointLookup.turnsDeltaOfRewind(current.turns(), all, cp.messageCount()), 0);
      return tx.write(key, stored, cp.messageCount(), false, List.of(), marker, counted, null, now());
    });
  }

  @Override
  public Future<Boolean> delete(SessionKey key) {
    return run(true, tx -> tx.purge(key));
  }

  @Override
  public Future<List<String>> appendEvents(SessionKey key, List<NewEvent> events) {
    if (key == null || events == null || events.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("a session key and at least one event are required"));
    }
    List<NewEvent> batch = List.copyOf(events);
    return run(tx -> {
      String base = base(key);
      long now = clock.millis();
      String rows = tx.rowsOf(base, false);
      long expired = rows == null ? -1 : tx.expiryOf(base); // nothing stored: no expiry to look for
      if (expired >= 0 && expired <= now) {
        tx.purge(key);
        rows = null;
        expired = -1;
      }
      if (rows == null) rows = tx.rowsOf(base, true);
      long first = tx.counters().getOrDefault("event", 0L) + 1;
      tx.events().put(row(rows, first), EventRows.encode(batch, now));
      List<String> ids = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) ids.add(Long.toString(first + i));
      tx.counters().put("event", first + batch.size() - 1);
      long kept = tx.eventCount().getOrDefault(rows, 0L) + batch.size();
      // the cap drops the oldest events: whole rows, then the first events of the oldest row left
      String prefix = rows + "#";
      while (kept > options.maxEvents()) {
        String oldest = tx.events().ceilingKey(prefix);
        byte[] oldestRow = tx.events().remove(oldest);
        int count = EventRows.count(oldestRow);
        if (count <= kept - options.maxEvents()) {
          kept -= count;
        } else {
          int dropped = (int) (kept - options.maxEvents());
          long firstKept = Long.parseLong(oldest.substring(prefix.length())) + dropped;
          tx.events().put(row(rows, firstKept), EventRows.withoutFirst(oldestRow, dropped));
          kept -= dropped;
        }
      }
      tx.eventCount().put(rows, kept);
      // an event is activity: it keeps the whole session alive, as in the Redis store
      long expires = tx.keepAlive(base, now, expired);
      byte[] meta = expires == expired ? null : tx.meta().get(rows);
      if (meta != null) tx.meta().put(rows, withExpiry(meta, expires)); // the meta's copy moves with it
      return ids;
    });
  }

  @Override
  public Future<Void> putResponse(StoredResponse response) {
    if (response == null) return Future.failedFuture(new IllegalArgumentException("a response is required"));
    return run(true, tx -> {
      long created = response.created() == null ? clock.millis() : response.created().toEpochMilli();
      ObjectNode row = JSON.createObjectNode().put("session", response.sessionId()).put("turn", response.turn())
          .put("json", response.json()).put("created", created).put("expires", clock.millis() + options.ttl().toMillis());
      tx.responses().put(response.tenant() + "/" + response.id(), JSON.writeValueAsBytes(row));
      return null;
    });
  }

  @Override
  public Future<StoredResponse> response(String tenant, String responseId) {
    if (!SessionKey.TENANT.matcher(String.valueOf(tenant)).matches()) {
      return Future.failedFuture(new IllegalArgumentException("invalid tenant '" + tenant + "'"));
    }
    if (!StoredResponse.validId(responseId)) return Future.succeededFuture(null);
    return run(tx -> {
      String rowKey = tenant + "/" + responseId;
      byte[] stored = tx.responses().get(rowKey);
      if (stored == null) return null;
      JsonNode row = JSON.readTree(stored);
      if (row.path("expires").asLong() <= clock.millis()) {
        tx.responses().remove(rowKey);
        return null;
      }
      return new StoredResponse(tenant, responseId, row.get("session").asText(), row.get("turn").asInt(),
          row.get("json").asText(), Instant.ofEpochMilli(row.get("created").asLong()));
    });
  }

  @Override
  public Future<Boolean> deleteResponse(String tenant, String responseId) {
    if (!SessionKey.TENANT.matcher(String.valueOf(tenant)).matches()) {
      return Future.failedFuture(new IllegalArgumentException("invalid tenant '" + tenant + "'"));
    }
    if (!StoredResponse.validId(responseId)) return Future.succeededFuture(false);
    return run(true, tx -> {
      byte[] removed = tx.responses().remove(tenant + "/" + responseId);
      return removed != null && JSON.readTree(removed).path("expires").asLong() > clock.millis();
    });
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Future<SessionMeta> meta(SessionKey key) {
    return run(tx -> tx.liveMeta(key));
  }

  @Override
  public Future<List<StoredMessage>> messages(SessionKey key, int from, int toExclusive) {
    return run(tx -> {
      StoredMeta stored = tx.liveStored(key);
      return stored == null ? List.of() : tx.messages(stored, from, toExclusive);
    });
  }

  @Override
  public Future<List<Checkpoint>> checkpoints(SessionKey key) {
    return run(tx -> {
      StoredMeta stored = tx.liveStored(key);
      return stored == null ? List.of() : tx.checkpoints(stored);
    });
  }

  @Override
  public Future<Checkpoint> checkpoint(SessionKey key, int seq) {
    return run(tx -> {
      StoredMeta stored = tx.liveStored(key);
      if (stored == null || seq < 1 || seq > stored.meta().checkpointCount()) return null;
      return MessageCodec.decodeCheckpoint(tx.cps().get(row(stored.rows(), seq)));
    });
  }

  @Override
  public Future<List<SessionMeta>> list(String tenant, int offset, int limit) {
    return run(tx -> {
      if (tenant == null || !SessionKey.TENANT.matcher(tenant).matches()) {
        throw new IllegalArgumentException("invalid tenant '" + tenant + "'");
      }
      List<SessionMeta> page = new ArrayList<>();
      List<SessionKey> expired = new ArrayList<>();
      String prefix = tenant + "/";
      int skipped = 0;
      for (Iterator<String> it = tx.index().keyIterator(prefix); it.hasNext() && page.size() < limit; ) {
        String entry = it.next();
        if (!entry.startsWith(prefix)) break;
        SessionKey key = new SessionKey(tenant, entry.substring(entry.indexOf('/', prefix.length()) + 1));
        if (tx.isExpired(base(key))) {
          expired.add(key);
        } else if (skipped++ >= offset) {
          page.add(tx.storedMeta(key));
        }
      }
      expired.forEach(tx::purge); // after the walk: not while iterating the index
      return page;
    });
  }

  @Override
  public Future<List<SessionEvent>> events(SessionKey key, String afterId, int limit) {
    return run(tx -> {
      String base = base(key);
      if (tx.isExpired(base)) {
        tx.purge(key);
        return List.of();
      }
      long after;
      try {
        after = afterId == null ? 0 : Long.parseLong(afterId);
      } catch (NumberFormatException e) {
        after = -1;
      }
      // ids are counted from 1; the one after the last possible one does not exist
      if (after < 0 || after == Long.MAX_VALUE || afterId != null && !Character.isDigit(afterId.charAt(0))) {
        throw new IllegalArgumentException("invalid event id '" + afterId + "'");
      }
      String rows = tx.rowsOf(base, false);
      if (rows == null) return List.of();
      String prefix = rows + "#";
      List<SessionEvent> out = new ArrayList<>();
      // rows are keyed by their first event's id: the one holding after + 1 may start before it
      for (Iterator<String> it = tx.events().keyIterator(prefix); it.hasNext() && out.size() < limit; ) {
        String rowKey = it.next();
        if (!rowKey.startsWith(prefix)) break;
        long first = Long.parseLong(rowKey.substring(prefix.length()));
        byte[] stored = tx.events().get(rowKey);
        if (first + EventRows.count(stored) <= after + 1) continue;
        List<SessionEvent> events = EventRows.decode(stored, first);
        for (int i = (int) Math.max(0, after + 1 - first); i < events.size() && out.size() < limit; i++) {
          out.add(events.get(i));
        }
      }
      return out;
    });
  }

  /** Checkpoints started in the background so far (tests). */
  Future<Long> backgroundCheckpoints() {
    return run(tx -> redo.switches());
  }

  /** Sessions on disk, including expired ones not purged yet (diagnostics, tests). */
  Future<Integer> storedSessions() {
    return run(tx -> (int) tx.meta().size());
  }

  /** A durable operation that changes nothing: answered after the fsync of everything written before it. */
  @Override
  public Future<Void> durable() {
    return run(true, tx -> null);
  }

  @Override
  public Future<Void> ping() {
    return run(tx -> {
      if (file.isClosed()) throw new StoreUnavailableException("embedded store file is closed");
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    if (closed) return Future.succeededFuture();
    closed = true;
    vertx.cancelTimer(purgeTimer);
    vertx.cancelTimer(writeTimer);
    // operations already queued run first (single FIFO worker); then, once the syncer is done with what they wrote,
    // everything is written and the file closed
    return worker.executeBlocking(() -> {
      operations.synced().toCompletionStage().toCompletableFuture().join();
      try {
        redo.checkpointBeforeClose(); // what is left goes to the file, and the log is empty
      } finally {
        redo.close();
        file.close();
      }
      return null;
    }, true).eventually(() -> worker.close().eventually(syncer::close).eventually(checkpointer::close)).mapEmpty();
  }

  // ---------------------------------------------------------------- transactions

  /** Queues one operation for the store's worker: see {@link GroupCommitQueue}. */
  private <T> Future<T> run(GroupCommitQueue.Operation<Tx, T> operation) {
    return run(false, operation);
  }

  private <T> Future<T> run(boolean durable, GroupCommitQueue.Operation<Tx, T> operation) {
    if (closed) return Future.failedFuture(new IllegalStateException("embedded store is closed"));
    return operations.submit(durable, operation);
  }

  /**
   * One batch's view of the maps, and the session logic that needs several of them. One instance serves every batch
   * (they run one after another on the worker); {@link #begin} starts the next one.
   */
  private final class Tx implements GroupCommitQueue.Batch {
    private final UndoLog log = new UndoLog();
    private final LayeredMap<byte[]> meta;
    private final LayeredMap<byte[]> msgs;
    private final LayeredMap<byte[]> cps;
    private final LayeredMap<byte[]> events;
    private final LayeredMap<Long> eventCount;
    private final LayeredMap<Long> expiry;
    private final LayeredMap<String> index;
    private final LayeredMap<Long> counters;
    private final LayeredMap<byte[]> responses;
    /** tenant/id -> the number a session's rows are under ({@link #rowsOf}). */
    private final LayeredMap<Long> rowNumbers;

    Tx(MVStore file) {
      meta = log.over(file.openMap(LAYOUT + "meta"));
      msgs = log.over(file.openMap(LAYOUT + "msgs"));
      cps = log.over(file.openMap(LAYOUT + "cps"));
      events = log.over(file.openMap(LAYOUT + "events"));
      eventCount = log.over(file.openMap(LAYOUT + "eventCount"));
      expiry = log.over(file.openMap(LAYOUT + "expiry"));
      index = log.over(file.openMap(LAYOUT + "index"));
      counters = log.over(file.openMap(LAYOUT + "counters"));
      responses = log.over(file.openMap(LAYOUT + "responses"));
      rowNumbers = log.over(file.openMap(LAYOUT + "rows"));
    }

    Tx begin() {
      if (file.isClosed()) throw new IllegalStateException("embedded store is closed");
      redo.collectFinished();
      if (redo.full()) redo.beginCheckpoint(EmbeddedCheckpointStore.this::onCheckpointer, () -> {});
      log.clear();
      return this;
    }

    List<LayeredMap<?>> maps() {
      return List.of(meta, msgs, cps, events, eventCount, expiry, index, counters, responses, rowNumbers);
    }

    @Override
    public long setSavepoint() {
      return log.mark();
    }

    @Override
    public void rollbackToSavepoint(long savepoint) {
      log.rollbackTo((int) savepoint);
    }

    @Override
    public void commit() {
      redo.add(log.changes()); // written to the log with the next durable batch, to the file at the next checkpoint
      log.clear();
    }

    @Override
    public void rollback() {
      log.rollbackTo(0);
    }

    LayeredMap<byte[]> meta() {
      return meta;
    }

    LayeredMap<byte[]> msgs() {
      return msgs;
    }

    LayeredMap<byte[]> cps() {
      return cps;
    }

    LayeredMap<byte[]> events() {
      return events;
    }

    LayeredMap<Long> eventCount() {
      return eventCount;
    }

    LayeredMap<Long> expiry() {
      return expiry;
    }

    LayeredMap<String> index() {
      return index;
    }

    LayeredMap<Long> counters() {
      return counters;
    }

    LayeredMap<byte[]> responses() {
      return responses;
    }

    /** The session's meta, or null when missing or expired (an expired one is purged on the way). */
    SessionMeta liveMeta(SessionKey key) {
      StoredMeta stored = liveStored(key);
      return stored == null ? null : stored.meta();
    }

    /**
     * {@link #liveMeta}, with where the session is listed and when it expires: what a write of it needs. The expiry
     * comes with the meta; the expiry map is read only for a session without one (no meta, or one from a file written
     * before the meta carried it): each read of it was a B-tree lookup of its own on every write.
     */
    StoredMeta liveStored(SessionKey key) {
      String base = base(key);
      String rows = rowsOf(base, false);
      if (rows == null) return null; // nothing stored, so no expiry either
      byte[] row = meta().get(rows);
      StoredMeta stored = row == null ? null : decodeMeta(key, row, rows);
      long expires = stored != null && stored.expires() >= 0 ? stored.expires() : expiryOf(base);
      if (expires >= 0 && expires <= clock.millis()) {
        purge(key);
        return null;
      }
      return stored;
    }

    SessionMeta storedMeta(SessionKey key) {
      String rows = rowsOf(base(key), false);
      byte[] stored = rows == null ? null : meta().get(rows);
      return stored == null ? null : decodeMeta(key, stored, rows).meta();
    }

    boolean isExpired(String base) {
      long at = expiryOf(base);
      return at >= 0 && at <= clock.millis();
    }

    /** When the session expires (epoch millis), as the expiry map says; -1 when it has no entry. */
    long expiryOf(String base) {
      Long at = expiry().get(base);
      return at == null ? -1 : at;
    }

    /**
     * Pushes the session's expiry back to a TTL from {@code now} once a tenth of the TTL has passed since it was last
     * set (a new session's at once): each write of the expiry map costs the commit a page. The meta carries the same
     * time ({@link #liveStored}): the caller writes it there.
     *
     * @param expires the session's expiry as known (-1: read from the expiry map)
     * @return the session's expiry after this write
     */
    long keepAlive(String base, long now, long expires) {
      long ttl = options.ttl().toMillis();
      if (expires < 0) expires = expiryOf(base);
      if (expires < 0 || now + ttl - expires >= ttl / 10 || expires > now + ttl) {
        expires = now + ttl;
        expiry().put(base, expires);
      }
      return expires;
    }

    /**
     * The one write path (append, fork target, restore).
     *
     * @param truncateTo -1, or the message count to rewind to before appending (restore)
     */
    SessionMeta write(SessionKey key, StoredMeta stored, int truncateTo, boolean replacePartial,
        List<StoredMessage> incoming, CheckpointDraft checkpoint, MetaChange change, String forkedFrom, Instant now) {
      SessionMeta current = stored == null ? null : stored.meta();
      String base = base(key);
      String rows = stored != null ? stored.rows() : rowsOf(base, true);
      int count = current == null ? 0 : current.messageCount();
      if (truncateTo >= 0) {
        for (int i = truncateTo; i < count; i++) msgs().remove(row(rows, i));
        count = Math.min(count, truncateTo);
      }
      if (replacePartial && !incoming.isEmpty() && count > 0
          && MessageCodec.isPartial(msgs().get(row(rows, count - 1)))) {
        count--; // the first incoming message overwrites the partial one
      }
      for (StoredMessage m : incoming) msgs().put(row(rows, count++), MessageCodec.encodeMessage(m, false));

      int checkpointCount = current == null ? 0 : current.checkpointCount();
      if (checkpoint != null) {
        checkpointCount++;
        byte[] body = MessageCodec.encodeCheckpointBody(checkpoint, now);
        cps().put(row(rows, checkpointCount), MessageCodec.frameCheckpoint(checkpointCount, count, body));
      }

      SessionMeta written = new SessionMeta(key,
          pick(change.protocol(), current == null ? null : current.protocol()),
          current == null ? now : current.created(), now,
          (current == null ? 0 : current.turns()) + change.turnsDelta(),
          (current == null ? 0 : current.tokens()) + change.tokensDelta(),
          pick(change.status(), current == null ? SessionMeta.ACTIVE : current.status()),
          pick(change.agent(), current == null ? null : current.agent()),
          (current == null ? 0 : current.version()) + 1, count, checkpointCount,
          pick(forkedFrom, current == null ? null : current.forkedFrom()),
          (current == null ? TurnUsage.NONE : current.usage()).plus(change.usageDelta()));

      // the listing keeps the session's place when this store moved it there less than a second ago (a turn is two
      // writes a few milliseconds apart); a new, forked or restored session is always moved
      long listed = current == null ? -1 : stored.listed();
      long at = now.toEpochMilli();
      boolean move = current == null || truncateTo >= 0 || forkedFrom != null
          || at - listed >= RedisCheckpointStore.INDEX_REFRESH_MILLIS || at < listed;
      if (move) {
        if (current != null) index().remove(indexKey(key, listed));
        index().put(indexKey(key, at), "");
        listed = at;
      }
      long expires = keepAlive(base, at, stored == null ? -1 : stored.expires());
      meta().put(rows, encodeMeta(written, listed, expires));
      return written;
    }

    List<StoredMessage> messages(StoredMeta stored, int from, int toExclusive) {
      int start = Math.max(0, from);
      int end = Math.min(toExclusive, stored.meta().messageCount());
      List<StoredMessage> out = new ArrayList<>(Math.max(0, end - start));
      String rows = stored.rows();
      for (int i = start; i < end; i++) out.add(MessageCodec.decodeMessage(i, msgs().get(row(rows, i))));
      return out;
    }

    List<Checkpoint> checkpoints(StoredMeta stored) {
      int count = stored.meta().checkpointCount();
      List<Checkpoint> out = new ArrayList<>(count);
      String rows = stored.rows();
      for (int seq = 1; seq <= count; seq++) out.add(MessageCodec.decodeCheckpoint(cps().get(row(rows, seq))));
      return out;
    }

    /**
     * Where the session is: the part of its keys in {@code meta}, {@code eventCount}, and before the {@code #} in
     * {@code msgs}, {@code cps} and {@code events}. A session gets a number when it is first written ({@code ~} and the
     * number, counted store-wide and kept in {@code rows}), so the rows of the sessions begun about the same time sit
     * next to each other, and those of new sessions at the end of each map: a checkpoint of the file rewrites a few pages
     * at the maps' right edge, instead of a page somewhere in each map for each session it wrote. (Keyed by the
     * client's session id, as sessions were before, every active session's rows sat on pages of their own, which the
     * checkpointer read back from the file, and which lived long enough in the heap to be promoted: the serial
     * collector ran a full collection every few seconds under load.) A session written before this is keyed by its
     * {@code tenant/id}, and stays there. A turn of a numbered session looks it up by id only in {@code rows}, a read:
     * that page is not rewritten by a turn (a session with nothing stored yet is also looked for in {@code meta} and
     * {@code eventCount}, as a session of an older file).
     *
     * @param create whether to number a session that has nothing stored yet
     * @return the session's keys' prefix; null when it has nothing stored and {@code create} is false
     */
    String rowsOf(String base, boolean create) {
      Long numbered = rowNumbers.get(base);
      if (numbered != null) return numberedRows(numbered);
      // a session of a file written before sessions were numbered: a meta, or events, under its tenant/id
      if (meta().get(base) != null || eventCount().get(base) != null) return base;
      if (!create) return null;
      long next = counters().getOrDefault("rows", 0L) + 1;
      counters().put("rows", next);
      rowNumbers.put(base, next);
      return numberedRows(next);
    }

    /** Removes everything of a session; true when something existed. */
    boolean purge(SessionKey key) {
      String base = base(key);
      String rows = rowsOf(base, false);
      boolean existed = expiry().remove(base) != null;
      if (rows == null) return existed;
      byte[] stored = meta().remove(rows);
      if (stored != null) {
        existed = true;
        index().remove(indexKey(key, decodeMeta(key, stored, rows).listed()));
      }
      eventCount().remove(rows);
      rowNumbers.remove(base);
      String prefix = rows + "#";
      for (LayeredMap<byte[]> map : List.of(msgs(), cps(), events())) {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = map.keyIterator(prefix); it.hasNext(); ) {
          String rowKey = it.next();
          if (!rowKey.startsWith(prefix)) break;
          keys.add(rowKey);
        }
        keys.forEach(map::remove);
      }
      return existed;
    }

    Void purgeExpired() {
      long now = clock.millis();
      List<String> expired = new ArrayList<>();
      for (Map.Entry<String, Long> e : expiry().entries()) {
        if (e.getValue() <= now) expired.add(e.getKey());
      }
      for (String base : expired) {
        int slash = base.indexOf('/');
        purge(new SessionKey(base.substring(0, slash), base.substring(slash + 1)));
      }
      List<String> gone = new ArrayList<>();
      for (Map.Entry<String, byte[]> e : responses().entries()) {
        try {
          if (JSON.readTree(e.getValue()).path("expires").asLong() <= now) gone.add(e.getKey());
        } catch (IOException unreadable) {
          gone.add(e.getKey());
        }
      }
      gone.forEach(responses()::remove);
      return null;
    }
  }

  // ---------------------------------------------------------------- encoding

  private Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  private static String base(SessionKey key) {
    return key.tenant() + "/" + key.id();
  }

  /** The key of row {@code n} of the session whose rows are under {@code rows} ({@link Tx#rowsOf}). */
  private static String row(String rows, long n) {
    return padded(new StringBuilder(rows.length() + 20).append(rows).append('#'), n).toString();
  }

  /** {@code ~} sorts after every character of a tenant, so numbered sessions' rows follow those keyed by session id. */
  private static String numberedRows(long number) {
    return padded(new StringBuilder(20).append('~'), number).toString();
  }

  /** Newest first: the timestamp is inverted so that ascending key order lists recent updates first. */
  private static String indexKey(SessionKey key, long listed) {
    StringBuilder b = new StringBuilder(key.tenant().length() + key.id().length() + 21).append(key.tenant()).append('/');
    return padded(b, Long.MAX_VALUE - listed).append('/').append(key.id()).toString();
  }

  /** Appends {@code String.format("%019d", n)}, without the Formatter (every key of every operation goes through here). */
  static StringBuilder padded(StringBuilder b, long n) {
    if (n < 0) return b.append(String.format("%019d", n));
    String digits = Long.toString(n);
    for (int i = digits.length(); i < 19; i++) b.append('0');
    return b.append(digits);
  }

  private static String pick(String change, String current) {
    return change != null ? change : current;
  }

  /**
   * @param listed  the time the session's index entry is under
   * @param expires when the session expires (the expiry map holds the same time, for the purge's walk)
   */
  private static byte[] encodeMeta(SessionMeta m, long listed, long expires) {
    // written field by field, as MessageCodec writes records: every write of a session rewrites its meta
    return MessageCodec.writeObject(new ByteArrayBuilder(320), json -> {
      json.writeStringField("protocol", m.protocol());
      json.writeNumberField("created", m.created().toEpochMilli());
      json.writeNumberField("updated", m.updated().toEpochMilli());
      json.writeNumberField("turns", m.turns());
      json.writeNumberField("tokens", m.tokens());
      json.writeStringField("status", m.status());
      json.writeStringField("agent", m.agent());
      json.writeNumberField("version", m.version());
      json.writeNumberField("messageCount", m.messageCount());
      json.writeNumberField("checkpointCount", m.checkpointCount());
      json.writeStringField("forkedFrom", m.forkedFrom());
      json.writeNumberField("listed", listed);
      json.writeNumberField("expires", expires);
      MessageCodec.writeUsage(json, m.usage());
    });
  }

  /**
   * A stored meta, the time its index entry is under, when it expires (-1: not in the meta, see the map), and where the
   * session's rows are ({@link Tx#rowsOf}).
   */
  private record StoredMeta(SessionMeta meta, long listed, long expires, String rows) {}

  /** A stored meta with another expiry. */
  private static byte[] withExpiry(byte[] stored, long expires) {
    try {
      ObjectNode n = (ObjectNode) JSON.readTree(stored);
      return JSON.writeValueAsBytes(n.put("expires", expires));
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt session meta", e);
    }
  }

  private static StoredMeta decodeMeta(SessionKey key, byte[] stored, String rows) {
    try {
      JsonNode n = JSON.readTree(stored);
      SessionMeta meta = new SessionMeta(key, text(n, "protocol"), Instant.ofEpochMilli(n.get("created").asLong()),
          Instant.ofEpochMilli(n.get("updated").asLong()), n.get("turns").asInt(), n.get("tokens").asLong(),
          text(n, "status"), text(n, "agent"), n.get("version").asLong(), n.get("messageCount").asInt(),
          n.get("checkpointCount").asInt(), text(n, "forkedFrom"), MessageCodec.decodeUsage(n.get("usage")));
      // files written before the listing moved at most once a second have no "listed": their entry is under "updated"
      JsonNode listed = n.get("listed");
      // nor an expiry in the meta before it came with it: the expiry map has it
      JsonNode expires = n.get("expires");
      return new StoredMeta(meta, listed != null ? listed.asLong() : meta.updated().toEpochMilli(),
          expires != null ? expires.asLong() : -1, rows);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt session meta of " + key, e);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
