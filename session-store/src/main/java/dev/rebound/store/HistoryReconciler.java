package dev.rebound.store;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a write whose version no longer holds (replayed after an outage, or stale because another writer or an
 * emptied store got in between) by what it means instead of where it was aimed: the session should hold
 * {@code history} followed by the write's messages. Compared message by message ({@link MessageHash}) with what is
 * stored now:
 * <ul>
 *   <li>the store already holds all of it: the write was applied before (a timed-out write that did land): done,
 *       nothing doubled;</li>
 *   <li>the store holds a beginning of it (maybe nothing: a session begun during an outage, or a store restarted
 *       empty): the rest is appended, so a session is rebuilt whole, never stored as a tail without its head;</li>
 *   <li>the store holds the same history with another answer to the same last question (two gateways served the
 *       same turn): the stored answer stands, the turn is stored once;</li>
 *   <li>anything else (the session was rewound or forked meanwhile): {@link StaleWriteException}.</li>
 * </ul>
 * A write that replaces the whole history ({@link Append#replaceHistory()}, a compaction) is done when the store holds
 * exactly its messages, and otherwise applied again at the current version: it says what the session holds whatever
 * was there.
 */
public final class HistoryReconciler {
  private HistoryReconciler() {}

  /** What reconciling did, for the caller's event. */
  public enum Outcome { ALREADY_STORED, APPENDED, ANSWERED_ELSEWHERE }

  public record Result(Outcome outcome, SessionMeta meta, int appended) {}

  /** Reconciles {@code append} against the session as stored, knowing the complete {@code history} it extends. */
  public static Future<Result> reconcile(CheckpointStore store, SessionKey key, Append append, List<NewMessage> history) {
    // a replaced history is the write's messages alone, whatever came before
    List<NewMessage> wanted = new ArrayList<>(append.replaceHistory() ? List.of() : history);
    List<NewMessage> partials = new ArrayList<>();
    for (NewMessage m : append.messages()) {
      if (m.partial()) partials.add(m);
      else wanted.add(m);
    }
    return store.meta(key).compose(meta -> {
      if (meta == null) return Future.succeededFuture(new Stored(null, List.of()));
      return store.messages(key, 0, meta.messageCount()).map(msgs -> new Stored(meta, msgs));
    }).compose(stored -> {
      List<StoredMessage> complete = stored.messages().stream().filter(m -> !m.partial()).toList();
      boolean partialStored = complete.size() < stored.messages().size();
      int common = 0;
      while (common < complete.size() && common < wanted.size()
          && complete.get(common).hash().equals(MessageHash.of(wanted.get(common).json()))) {
        common++;
      }
      long version = stored.meta() == null ? 0 : stored.meta().version();
      if (append.replaceHistory()) {
        if (common == wanted.size() && complete.size() == wanted.size() && partials.isEmpty()) {
          return Future.succeededFuture(new Result(Outcome.ALREADY_STORED, stored.meta(), 0));
        }
        Append again = append.atVersion(version);
        return store.append(key, stored.meta() == null ? again : again.ofSessionCreated(stored.meta().created()))
            .map(meta -> new Result(Outcome.APPENDED, meta, wanted.size() + partials.size()));
      }
      if (common == wanted.size() && (partials.isEmpty() || complete.size() > wanted.size())) {
        return Future.succeededFuture(new Result(Outcome.ALREADY_STORED, stored.meta(), 0));
      }
      if (common == complete.size()) {
        List<NewMessage> rest = new ArrayList<>(wanted.subList(common, wanted.size()));
        rest.addAll(partials);
        int answers = (int) wanted.subList(common, wanted.size()).stream().filter(m -> "assistant".equals(m.role())).count();
        MetaChange change = append.metaOrNone();
        // the turns this write adds are the answers it stores, however many of them the store had lost
        MetaChange counted = new MetaChange(change.protocol(), change.agent(), change.status(), answers, change.tokensDelta(),
            change.usageDelta());
        Append rebuilt = new Append(version, rest, partialStored, append.checkpoint(), counted,
            stored.meta() == null ? null : stored.meta().created(), null);
        return store.append(key, rebuilt).map(meta -> new Result(Outcome.APPENDED, meta, rest.size()));
      }
      boolean sameQuestion = common == wanted.size() - 1 && complete.size() == wanted.size()
          && "assistant".equals(wanted.get(common).role()) && "assistant".equals(complete.get(common).role());
      if (sameQuestion) return Future.succeededFuture(new Result(Outcome.ANSWERED_ELSEWHERE, stored.meta(), 0));
      return Future.failedFuture(new StaleWriteException(key, append.expectedVersion(), version));
    });
  }

  private record Stored(SessionMeta meta, List<StoredMessage> messages) {}
}
