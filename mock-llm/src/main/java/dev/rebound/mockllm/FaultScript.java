package dev.rebound.mockllm;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The armed faults, in the order they were added. Thread-safe: tests arm faults from their own
 * thread while the event loop consumes them.
 */
final class FaultScript {

  private static final class Armed {
    final Fault fault;
    int remaining;

    Armed(Fault fault) {
      this.fault = fault;
      this.remaining = fault.times();
    }
  }

  private final List<Armed> armed = new ArrayList<>();

  synchronized void add(List<Fault> faults) {
    for (Fault fault : faults) {
      armed.add(new Armed(fault));
    }
  }

  /** Consumes one use of the first fault matching the request, or returns null. */
  synchronized Fault take(String path, String model, Fault.RawBody body) {
    Iterator<Armed> it = armed.iterator();
    while (it.hasNext()) {
      Armed next = it.next();
      if (next.fault.match() == null || next.fault.match().matches(path, model, body)) {
        if (!next.fault.isUnlimited() && --next.remaining == 0) {
          it.remove();
        }
        return next.fault;
      }
    }
    return null;
  }

  synchronized void clear() {
    armed.clear();
  }

  /** The armed faults with the uses each has left ({@code remaining}, -1 for unlimited). */
  synchronized JsonArray toJson() {
    JsonArray json = new JsonArray();
    for (Armed a : armed) {
      json.add(a.fault.toJson().put("remaining", a.remaining));
    }
    return json;
  }
}
