package dev.rebound.gateway.sessions;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.NewEvent;
import dev.rebound.store.SessionKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Passes every event on, and appends the ones that belong to a session to that session's event stream.
 *
 * <p>A turn makes several decisions (route, user turn stored, answered, assistant turn stored); writing each as its
 * own store operation cost more than the turn's messages. So a session's events are gathered for up to
 * {@link #LINGER_MILLIS} and written together in one {@link CheckpointStore#appendEvents} call, at most one write per
 * session in flight, in the order they were made, each with the time it was made. Readers that must see every event
 * so far (the admin API) call {@link #flush(SessionKey)} first. A crash loses at most the last linger's events of the
 * stream; the log sink has them all.
 */
public final class SessionEventRecorder implements EventSink {
  /** How long a session's first unwritten event waits for others to join its write. */
  static final long LINGER_MILLIS = 200;
  /** A session with this many unwritten events is written at once. */
  static final int MAX_PENDING = 64;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EventSink next;
  private final Vertx vertx;
  private final Supplier<CheckpointStore> store;
  /** Sessions with unwritten events or a write in flight; guarded by itself (events come from any thread). */
  private final Map<SessionKey, Pending> pending = new HashMap<>();

  private static final class Pending {
    List<NewEvent> events = new ArrayList<>();
    boolean writing;
    long timer = -1;
    final List<Promise<Void>> waiters = new ArrayList<>();
  }

  public SessionEventRecorder(EventSink next, Vertx vertx, Supplier<CheckpointStore> store) {
    this.next = next;
    this.vertx = vertx;
    this.store = store;
  }

  @Override
  public void emit(GatewayEvent event) {
    next.emit(event);
    if (store.get() == null || event.tenant() == null || event.sessionId() == null) return;
    SessionKey key;
    try {
      key = new SessionKey(event.tenant(), event.sessionId());
    } catch (IllegalArgumentException e) {
      return; // an id the store cannot hold has no stored session either
    }
    NewEvent recorded = new NewEvent(event.at(), event.type().id(), event.reason(), details(event));
    boolean writeNow;
    synchronized (pending) {
      Pending p = pending.computeIfAbsent(key, k -> new Pending());
      p.events.add(recorded);
      writeNow = !p.writing && p.events.size() >= MAX_PENDING;
      if (!writeNow && !p.writing && p.timer == -1) p.timer = vertx.setTimer(LINGER_MILLIS, id -> write(key));
    }
    if (writeNow) write(key);
  }

  /** Completes once every event of the session emitted before this call has been written (or failed to be). */
  public Future<Void> flush(SessionKey key) {
    Promise<Void> done = Promise.promise();
    synchronized (pending) {
      Pending p = pending.get(key);
      if (p == null) return Future.succeededFuture();
      p.waiters.add(done);
    }
    write(key);
    return done.future();
  }

  /** Writes every session's unwritten events (on shutdown, before the store closes). */
  public Future<Void> flushAll() {
    List<SessionKey> keys;
    synchronized (pending) {
      keys = new ArrayList<>(pending.keySet());
    }
    return Future.join(keys.stream().map(this::flush).toList()).mapEmpty();
  }

  private void write(SessionKey key) {
    List<NewEvent> batch;
    CheckpointStore s = store.get();
    synchronized (pending) {
      Pending p = pending.get(key);
      if (p == null || p.writing) return; // the write in flight starts the next one when it ends
      if (p.timer != -1) vertx.cancelTimer(p.timer);
      p.timer = -1;
      if (s == null) p.events.clear(); // no store (any more): nothing to write them to
      if (p.events.isEmpty()) {
        batch = null;
      } else {
        batch = p.events;
        p.events = new ArrayList<>();
        p.writing = true;
      }
    }
    if (batch == null) {
      settled(key);
      return;
    }
    s.appendEvents(key, batch).onComplete(ar -> written(key));
  }

  private void written(SessionKey key) {
    boolean again = false;
    boolean done = false;
    synchronized (pending) {
      Pending p = pending.get(key);
      if (p == null) return;
      p.writing = false;
      if (p.events.isEmpty()) {
        done = true;
      } else if (!p.waiters.isEmpty() || p.events.size() >= MAX_PENDING) {
        again = true;
      } else if (p.timer == -1) {
        p.timer = vertx.setTimer(LINGER_MILLIS, id -> write(key));
      }
    }
    if (again) write(key);
    if (done) settled(key);
  }

  /** Nothing left to write for the session: its flush waiters are done (completed outside the lock). */
  private void settled(SessionKey key) {
    Pending p;
    synchronized (pending) {
      p = pending.get(key);
      if (p == null || p.writing || !p.events.isEmpty()) return; // new events came in meanwhile
      pending.remove(key);
    }
    p.waiters.forEach(Promise::tryComplete);
  }

  /** The event's fields, and the id of the request that made it (so a session's events show which request did what). */
  private static String details(GatewayEvent event) {
    Map<String, Object> fields = event.fields();
    String requestId = event.requestId() != null && !fields.containsKey("requestId") ? event.requestId() : null;
    java.io.StringWriter out = new java.io.StringWriter(64 + 32 * fields.size());
    try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
      json.writeStartObject();
      event.writeFields(json);
      if (requestId != null) json.writeStringField("requestId", requestId);
      json.writeEndObject();
    } catch (Exception e) {
      return "{}";
    }
    return out.toString();
  }
}
