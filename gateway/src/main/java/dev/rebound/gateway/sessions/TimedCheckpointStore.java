package dev.rebound.gateway.sessions;

import dev.rebound.store.Append;
import dev.rebound.store.Checkpoint;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.NewEvent;
import dev.rebound.store.SessionEvent;
import dev.rebound.store.SessionKey;
import dev.rebound.store.SessionMeta;
import dev.rebound.store.StoredMessage;
import dev.rebound.store.StoredResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Times every call to the real store (Redis or embedded), under the degraded-mode buffer, so the latency is the
 * store's own: {@code rebound_store_duration_seconds{operation, outcome}}. One timer per operation and outcome, made
 * when first needed (a race makes it twice, and the registry hands back the same one).
 */
public final class TimedCheckpointStore implements CheckpointStore {
  static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5)};

  enum Operation { APPEND, META, MESSAGES, CHECKPOINTS, CHECKPOINT, FORK, RESTORE, DELETE, LIST, APPEND_EVENTS, EVENTS, PING, PUT_RESPONSE, RESPONSE, DELETE_RESPONSE }

  private final CheckpointStore store;
  private final MeterRegistry registry;
  /** Per operation: [ok, error]. */
  private final Timer[][] timers = new Timer[Operation.values().length][2];

  public TimedCheckpointStore(CheckpointStore store, MeterRegistry registry) {
    this.store = store;
    this.registry = registry;
  }

  private Timer timer(Operation op, boolean succeeded) {
    int outcome = succeeded ? 0 : 1;
    Timer t = timers[op.ordinal()][outcome];
    if (t == null) {
      t = Timer.builder("rebound.store.duration")
          .description("Time of one session store call (Redis or embedded), by operation and outcome (ok, error).")
          .tags("operation", op.name().toLowerCase(java.util.Locale.ROOT), "outcome", succeeded ? "ok" : "error")
          .serviceLevelObjectives(BUCKETS).register(registry);
      timers[op.ordinal()][outcome] = t;
    }
    return t;
  }

  private <T> Future<T> timed(Operation op, java.util.function.Supplier<Future<T>> call) {
    long started = System.nanoTime();
    return call.get().andThen(ar -> timer(op, ar.succeeded()).record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
  }

  @Override
  public Future<SessionMeta> append(SessionKey key, Append append) {
    return timed(Operation.APPEND, () -> store.append(key, append));
  }

  @Override
  public Future<SessionMeta> meta(SessionKey key) {
    return timed(Operation.META, () -> store.meta(key));
  }

  @Override
  public Future<List<StoredMessage>> messages(SessionKey key, int from, int toExclusive) {
    return timed(Operation.MESSAGES, () -> store.messages(key, from, toExclusive));
  }

  @Override
  public Future<List<Checkpoint>> checkpoints(SessionKey key) {
    return timed(Operation.CHECKPOINTS, () -> store.checkpoints(key));
  }

  @Override
  public Future<Checkpoint> checkpoint(SessionKey key, int seq) {
    return timed(Operation.CHECKPOINT, () -> store.checkpoint(key, seq));
  }

  @Override
  public Future<SessionMeta> fork(SessionKey from, int checkpointSeq, SessionKey to) {
    return timed(Operation.FORK, () -> store.fork(from, checkpointSeq, to));
  }

  @Override
  public Future<SessionMeta> restore(SessionKey key, int checkpointSeq, long expectedVersion) {
    return timed(Operation.RESTORE, () -> store.restore(key, checkpointSeq, expectedVersion));
  }

  @Override
  public Future<Boolean> delete(SessionKey key) {
    return timed(Operation.DELETE, () -> store.delete(key));
  }

  @Override
  public Future<List<SessionMeta>> list(String tenant, int offset, int limit) {
    return timed(Operation.LIST, () -> store.list(tenant, offset, limit));
  }

  @Override
  public Future<List<String>> appendEvents(SessionKey key, List<NewEvent> events) {
    return timed(Operation.APPEND_EVENTS, () -> store.appendEvents(key, events));
  }

  @Override
  public Future<List<SessionEvent>> events(SessionKey key, String afterId, int limit) {
    return timed(Operation.EVENTS, () -> store.events(key, afterId, limit));
  }

  @Override
  public Future<Void> putResponse(StoredResponse response) {
    return timed(Operation.PUT_RESPONSE, () -> store.putResponse(response));
  }

  @Override
  public Future<StoredResponse> response(String tenant, String responseId) {
    return timed(Operation.RESPONSE, () -> store.response(tenant, responseId));
  }

  @Override
  public Future<Boolean> deleteResponse(String tenant, String responseId) {
    return timed(Operation.DELETE_RESPONSE, () -> store.deleteResponse(tenant, responseId));
  }

  @Override
  public Future<Void> ping() {
    return timed(Operation.PING, () -> store.ping());
  }

  @Override
  public Future<Void> durable() {
    return store.durable();
  }

  @Override
  public Future<Void> close() {
    return store.close();
  }
}
