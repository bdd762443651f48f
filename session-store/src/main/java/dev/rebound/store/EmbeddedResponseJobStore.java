package dev.rebound.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The {@link ResponseJobStore} of the embedded store: jobs in memory, each also kept on disk under the store's
 * directory ({@code background/<id>.json}: the job and its notes, replaced whole; {@code background/<id>.events}: one
 * stream event a line, appended). A write is answered once it is on disk (written, not fsynced: a background job that
 * loses its last events to a power cut is run again). The directory belongs to one gateway (the embedded checkpoint
 * store locks it), so this store is the only writer; the leases still matter across its own restarts.
 *
 * <p>Every disk write runs on this store's single worker thread, in the order the operations were made, so a job's
 * file never goes back to an older state. Finished jobs older than {@code keepFinished} are removed on open. A job's
 * first write not done within {@link EmbeddedCheckpointStore#ANSWER_WITHIN} fails its enqueue as unavailable (a hung
 * filesystem must not hold the client's request until it recovers): the job is withdrawn, never handed out, and its
 * files are removed behind that write. A job is handed out only once its first write is done.
 */
public final class EmbeddedResponseJobStore implements ResponseJobStore {
  public static final String DIRECTORY = "background";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Path dir;
  private final Clock clock;
  private final String diskWorker;
  private final WorkerExecutor disk;
  private final Vertx vertx;
  private final long answerWithinMs;
  // guarded by this
  private final Map<String, Entry> jobs = new HashMap<>();

  private static final class Entry {
    ResponseJob job;
    final List<String> events = new ArrayList<>();
    /**
     * How many of {@link #events} are on disk: readers see only those, so a client polling the stream never gets an
     * event that a kill then loses and a replay sends again with other words.
     */
    int onDisk;
    final List<String> notes = new ArrayList<>();
    /** Whether its enqueue's write is done: only then may it be claimed. */
    boolean enqueued;

    Entry(ResponseJob job) {
      this.job = job;
    }
  }

  private EmbeddedResponseJobStore(Vertx vertx, Path dir, Clock clock, Duration answerWithin) {
    this.vertx = vertx;
    this.answerWithinMs = answerWithin.toMillis();
    this.dir = dir;
    this.clock = clock;
    this.diskWorker = "rebound-background-jobs-" + INSTANCES.incrementAndGet();
    this.disk = vertx.createSharedWorkerExecutor(diskWorker, 1);
  }

  /** The name of the one-thread pool the disk writes run on (tests hold it, as a slow disk would). */
  String diskWorker() {
    return diskWorker;
  }

  /** Reads the jobs kept under {@code storeDir/background}, dropping finished ones older than {@code keepFinished}. */
  public static Future<EmbeddedResponseJobStore> open(Vertx vertx, Path storeDir, Duration keepFinished, Clock clock) {
    return open(vertx, storeDir, keepFinished, clock, EmbeddedCheckpointStore.ANSWER_WITHIN);
  }

  static Future<EmbeddedResponseJobStore> open(Vertx vertx, Path storeDir, Duration keepFinished, Clock clock,
      Duration answerWithin) {
    EmbeddedResponseJobStore store =
        new EmbeddedResponseJobStore(vertx, storeDir.resolve(DIRECTORY), clock, answerWithin);
    return store.disk.executeBlocking(() -> {
      store.load(keepFinished);
      return store;
    }, true);
  }

  private void load(Duration keepFinished) throws IOException {
    Files.createDirectories(dir);
    Instant oldest = clock.instant().minus(keepFinished);
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
    }
    for (Path file : files) {
      ObjectNode node = (ObjectNode) JSON.readTree(file.toFile());
      ResponseJob job = fromJson(node);
      Path events = eventsFile(job.id());
      if (job.terminal() && job.createdAt().isBefore(oldest)) {
        Files.deleteIfExists(file);
        Files.deleteIfExists(events);
        continue;
      }
      Entry e = new Entry(job);
      for (JsonNode n : node.path("notes")) e.notes.add(n.textValue());
      if (Files.exists(events)) {
        for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) if (!line.isEmpty()) e.events.add(line);
      }
      // events written after the job's file was last replaced still count
      e.job = with(e.job, e.events.size());
      e.onDisk = e.events.size();
      e.enqueued = true;
      synchronized (this) {
        jobs.put(job.id(), e);
      }
    }
  }

  @Override
  public Future<ResponseJob> enqueue(ResponseJob job) {
    Entry e;
    synchronized (this) {
      if (jobs.containsKey(job.id())) {
        return Future.failedFuture(new IllegalArgumentException("a job with id " + job.id() + " exists"));
      }
      e = new Entry(job);
      jobs.put(job.id(), e);
    }
    Promise<ResponseJob> answer = Promise.promise();
    long timer = vertx.setTimer(answerWithinMs, id -> withdraw(e, answer));
    persist(e, List.of()).onComplete(ar -> {
      vertx.cancelTimer(timer);
      synchronized (this) {
        if (ar.succeeded() && jobs.get(job.id()) == e) e.enqueued = true;
        if (ar.failed()) jobs.remove(job.id(), e); // refused: neither run nor listed
      }
      if (ar.succeeded()) answer.tryComplete(job);
      else answer.tryFail(ar.cause());
    });
    return answer.future();
  }

  /** The enqueue's write is not done in time: the job never runs, and its files go once the write is done. */
  private void withdraw(Entry e, Promise<ResponseJob> answer) {
    String id;
    synchronized (this) {
      if (e.enqueued) return; // done just now
      id = e.job.id();
      jobs.remove(id, e);
    }
    answer.tryFail(new StoreUnavailableException("the embedded store did not write background job " + id + " within "
        + answerWithinMs + " ms: its disk may be stalled"));
    deleteFiles(id);
  }

  @Override
  public synchronized Future<ResponseJob> get(String tenant, String id) {
    Entry e = jobs.get(id);
    return Future.succeededFuture(e == null || !e.job.tenant().equals(tenant) ? null : e.job);
  }

  @Override
  public synchronized Future<ResponseJob> find(String id) {
    Entry e = jobs.get(id);
    return Future.succeededFuture(e == null ? null : e.job);
  }

  @Override
  public Future<ResponseJob> claim(String owner, Duration lease) {
    Entry claimed = null;
    long now = clock.millis();
    synchronized (this) {
      for (Entry e : jobs.values().stream().sorted(Comparator.comparing(x -> x.job.createdAt())).toList()) {
        if (!e.enqueued || !due(e.job, now)) continue;
        ResponseJob j = e.job;
        e.job = new ResponseJob(j.id(), j.tenant(), ResponseJob.IN_PROGRESS, j.request(), j.headers(), j.sessionId(),
            j.createdAt(), j.deadline(), owner, Instant.ofEpochMilli(now + lease.toMillis()), j.notBefore(),
            owner.equals(j.owner()) ? j.runs() : j.runs() + 1,
            j.attempts(), j.response(), j.events(), takenOver(j, owner) ? takeOverReason(j, now) : j.reason());
        claimed = e;
        break;
      }
    }
    if (claimed == null) return Future.succeededFuture(null);
    ResponseJob job = claimed.job;
    return persist(claimed, List.of()).map(job);
  }

  /** Whether claiming {@code j} takes it from another gateway whose lease ran out while the job was in progress. */
  private static boolean takenOver(ResponseJob j, String owner) {
    return ResponseJob.IN_PROGRESS.equals(j.status()) && j.owner() != null && !j.owner().isEmpty()
        && !owner.equals(j.owner());
  }

  /** The same words as job-claim.lua's. */
  private static String takeOverReason(ResponseJob j, long now) {
    long ranOut = now - (j.leaseUntil() == null ? now : j.leaseUntil().toEpochMilli());
    return "taken over from gateway " + j.owner() + ": its lease ran out " + ranOut
        + " ms before, without a renewal (it stopped answering or died)";
  }

  private static boolean due(ResponseJob j, long now) {
    if (ResponseJob.QUEUED.equals(j.status())) return j.notBefore() == null || j.notBefore().toEpochMilli() <= now;
    return ResponseJob.IN_PROGRESS.equals(j.status()) && (j.leaseUntil() == null || j.leaseUntil().toEpochMilli() <= now);
  }

  @Override
  public Future<ResponseJob> record(String id, String owner, Duration lease, JobProgress progress) {
    return change(id, owner, progress, j -> new ResponseJob(j.id(), j.tenant(), j.status(), j.request(), j.headers(),
        j.sessionId(), j.createdAt(), j.deadline(), owner, Instant.ofEpochMilli(clock.millis() + lease.toMillis()),
        j.notBefore(), j.runs(), j.attempts(), j.response(), j.events(), j.reason()));
  }

  @Override
  public Future<ResponseJob> finish(String id, String owner, String status, JobProgress progress) {
    if (!ResponseJob.TERMINAL.contains(status)) {
      return Future.failedFuture(new IllegalArgumentException("a job finishes in a terminal status, not " + status));
    }
    return change(id, owner, progress, j -> new ResponseJob(j.id(), j.tenant(), status, j.request(), j.headers(),
        j.sessionId(), j.createdAt(), j.deadline(), null, null, j.notBefore(), j.runs(), j.attempts(), j.response(),
        j.events(), j.reason()));
  }

  @Override
  public Future<ResponseJob> release(String id, String owner, Instant notBefore, JobProgress progress) {
    return change(id, owner, progress, j -> new ResponseJob(j.id(), j.tenant(), ResponseJob.QUEUED, j.request(),
        j.headers(), j.sessionId(), j.createdAt(), j.deadline(), null, null, notBefore, j.runs(), j.attempts(),
        j.response(), j.events(), j.reason()));
  }

  /** Checks the lease, applies the progress, then {@code then}; persists it. */
  private Future<ResponseJob> change(String id, String owner, JobProgress p,
      java.util.function.UnaryOperator<ResponseJob> then) {
    Entry e;
    ResponseJob job;
    Future<Void> written;
    synchronized (this) {
      e = jobs.get(id);
      if (e == null) return Future.failedFuture(new LeaseLostException(id, owner, null));
      ResponseJob j = e.job;
      if (!ResponseJob.IN_PROGRESS.equals(j.status()) || !owner.equals(j.owner())) {
        return Future.failedFuture(new LeaseLostException(id, owner, j.status()));
      }
      e.events.addAll(p.events());
      e.notes.addAll(p.notes());
      while (e.notes.size() > JobProgress.MAX_NOTES) e.notes.remove(0);
      j = new ResponseJob(j.id(), j.tenant(), j.status(), j.request(), j.headers(),
          p.sessionId() != null ? p.sessionId() : j.sessionId(), j.createdAt(),
          j.deadline(), j.owner(), j.leaseUntil(), j.notBefore(), j.runs(), j.attempts() + p.attempts(),
          p.response() != null ? p.response() : j.response(), e.events.size(),
          p.reason() != null ? p.reason() : j.reason());
      e.job = then.apply(j);
      job = e.job;
      // queued while the new events are added: a later write that counts them comes after their append
      written = persist(e, p.events());
    }
    return written.map(job);
  }

  @Override
  public Future<ResponseJob> cancel(String tenant, String id, String reason) {
    Entry e;
    ResponseJob job;
    synchronized (this) {
      e = jobs.get(id);
      if (e == null || !e.job.tenant().equals(tenant)) return Future.succeededFuture(null);
      if (e.job.terminal()) return Future.succeededFuture(e.job);
      ResponseJob j = e.job;
      e.job = new ResponseJob(j.id(), j.tenant(), ResponseJob.CANCELLED, j.request(), j.headers(), j.sessionId(),
          j.createdAt(), j.deadline(), null, null, j.notBefore(), j.runs(), j.attempts(), j.response(), j.events(), reason);
      job = e.job;
    }
    return persist(e, List.of()).map(job);
  }

  @Override
  public Future<Boolean> delete(String tenant, String id) {
    synchronized (this) {
      Entry e = jobs.get(id);
      if (e == null || !e.job.tenant().equals(tenant)) return Future.succeededFuture(false);
      jobs.remove(id);
    }
    return deleteFiles(id);
  }

  private Future<Boolean> deleteFiles(String id) {
    return disk.executeBlocking(() -> {
      try {
        Files.deleteIfExists(dir.resolve(id + ".json"));
        Files.deleteIfExists(eventsFile(id));
        return true;
      } catch (IOException ex) {
        throw new UncheckedIOException("could not delete background job " + id + " under " + dir, ex);
      }
    }, true);
  }

  @Override
  public synchronized Future<List<String>> events(String id, int from) {
    Entry e = jobs.get(id);
    if (e == null || from >= e.onDisk) return Future.succeededFuture(List.of());
    return Future.succeededFuture(List.copyOf(e.events.subList(Math.max(0, from), e.onDisk)));
  }

  @Override
  public synchronized Future<List<String>> notes(String id) {
    Entry e = jobs.get(id);
    return Future.succeededFuture(e == null ? List.of() : List.copyOf(e.notes));
  }

  @Override
  public synchronized Future<List<ResponseJob>> list(int limit) {
    return Future.succeededFuture(jobs.values().stream().map(e -> e.job)
        .sorted(Comparator.comparing(ResponseJob::createdAt).reversed()).limit(Math.max(0, limit)).toList());
  }

  @Override
  public Future<Void> close() {
    // the worker's queue runs to its end first: every write answered or pending is on disk
    return disk.executeBlocking(() -> null, true).eventually(disk::close).mapEmpty();
  }

  /** Appends the new events and replaces the job's file with its state as of now, on the disk thread. */
  private Future<Void> persist(Entry e, List<String> newEvents) {
    String id;
    byte[] state;
    int events;
    Future<Void> written;
    // the state is taken and its write queued under one lock, so the writes run in the order of the states they write
    synchronized (this) {
      id = e.job.id();
      events = e.events.size(); // once this write is done, so are the appends queued before it
      ObjectNode node = toJson(e.job);
      ArrayNode notes = node.putArray("notes");
      e.notes.forEach(notes::add);
      state = node.toString().getBytes(StandardCharsets.UTF_8);
      written = write(id, state, newEvents);
    }
    return written.map(v -> {
      synchronized (this) {
        e.onDisk = Math.max(e.onDisk, events);
      }
      return null;
    });
  }

  private Future<Void> write(String id, byte[] state, List<String> newEvents) {
    return disk.executeBlocking(() -> {
      try {
        if (!newEvents.isEmpty()) {
          StringBuilder b = new StringBuilder();
          for (String event : newEvents) b.append(event.replace('\n', ' ')).append('\n');
          Files.writeString(eventsFile(id), b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        Path tmp = dir.resolve(id + ".json.tmp");
        Files.write(tmp, state);
        Files.move(tmp, dir.resolve(id + ".json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return null;
      } catch (IOException ex) {
        throw new UncheckedIOException("could not write background job " + id + " under " + dir, ex);
      }
    }, true);
  }

  private Path eventsFile(String id) {
    return dir.resolve(id + ".events");
  }

  private static ResponseJob with(ResponseJob j, int events) {
    return new ResponseJob(j.id(), j.tenant(), j.status(), j.request(), j.headers(), j.sessionId(), j.createdAt(),
        j.deadline(), j.owner(), j.leaseUntil(), j.notBefore(), j.runs(), j.attempts(), j.response(), events, j.reason());
  }

  static ObjectNode toJson(ResponseJob j) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", j.id()).put("tenant", j.tenant()).put("status", j.status()).put("request", j.request())
        .put("headers", j.headers()).put("sessionId", j.sessionId()).put("created", j.createdAt().toEpochMilli())
        .put("deadline", j.deadline().toEpochMilli()).put("owner", j.owner())
        .put("lease", j.leaseUntil() == null ? null : j.leaseUntil().toEpochMilli())
        .put("notBefore", j.notBefore() == null ? null : j.notBefore().toEpochMilli())
        .put("runs", j.runs()).put("attempts", j.attempts()).put("response", j.response()).put("events", j.events())
        .put("reason", j.reason());
    return n;
  }

  static ResponseJob fromJson(JsonNode n) {
    return new ResponseJob(n.path("id").asText(), n.path("tenant").asText(), n.path("status").asText(),
        n.path("request").asText(), n.path("headers").asText("{}"), text(n.get("sessionId")),
        Instant.ofEpochMilli(n.path("created").asLong()), Instant.ofEpochMilli(n.path("deadline").asLong()),
        text(n.get("owner")), instant(n.get("lease")), instant(n.get("notBefore")), n.path("runs").asInt(),
        n.path("attempts").asInt(), text(n.get("response")), n.path("events").asInt(), text(n.get("reason")));
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  private static Instant instant(JsonNode n) {
    return n == null || n.isNull() ? null : Instant.ofEpochMilli(n.asLong());
  }
}
