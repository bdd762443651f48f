package dev.rebound.gateway.sessions;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.SessionKey;
import java.util.function.Supplier;

/** Passes every event on, and appends the ones that belong to a session to that session's event stream. */
public final class SessionEventRecorder implements EventSink {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EventSink next;
  private final Supplier<CheckpointStore> store;

  public SessionEventRecorder(EventSink next, Supplier<CheckpointStore> store) {
    this.next = next;
    this.store = store;
  }

  @Override
  public void emit(GatewayEvent event) {
    next.emit(event);
    CheckpointStore s = store.get();
    if (s == null || event.tenant() == null || event.sessionId() == null) return;
    String details;
    try {
      details = JSON.writeValueAsString(event.fields());
    } catch (Exception e) {
      details = "{}";
    }
    try {
      s.appendEvent(new SessionKey(event.tenant(), event.sessionId()), event.type(), event.reason(), details);
    } catch (IllegalArgumentException ignored) {
      // an id the store cannot hold has no stored session either
    }
  }
}
