package dev.rebound.gateway.pipeline;

import dev.rebound.store.Append;
import dev.rebound.store.SessionMeta;
import io.vertx.core.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A user turn bound to its session but not stored yet: it waits to be stored in one write with its answer
 * ({@link SessionJournal}).
 *
 * @param append  what it adds to the session: its messages, the turns they answer, the session and version it extends
 *                and the history before it (its checkpoint is the one it takes when stored on its own)
 * @param stored  told the session as written, by whichever write stored it: the session cache learns the history
 * @param alone   stores it on its own (when its answer is slow, cut or failed, or another write comes first); fails
 *                when it could not be stored
 * @param rebind  for a write of it that found the session moved: binds the request again from the session as stored
 *                now and stores its user turn at once, as a request bound on the way in would have been; the request
 *                is then bound anew, or not at all
 */
record UserTurn(Append append, Consumer<SessionMeta> stored, Supplier<Future<Void>> alone,
    Supplier<Future<Void>> rebind) {
  Future<Void> storeAlone() {
    return alone.get();
  }
}
