package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.rebound.gateway.context.ContentDigests;
import dev.rebound.gateway.context.RecentHashes;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.sessions.ContextView;
import dev.rebound.gateway.sessions.SessionCache;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.store.Append;
import dev.rebound.store.CheckpointDraft;
import dev.rebound.store.CheckpointKind;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.MessageHash;
import dev.rebound.store.MetaChange;
import dev.rebound.store.NewMessage;
import dev.rebound.store.SessionKey;
import dev.rebound.store.SessionMeta;
import dev.rebound.store.StaleWriteException;
import dev.rebound.store.StoredMessage;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The way in of the {@link SessionJournal}: binds a request to its session and stores the user turn before the first
 * upstream attempt, or leaves a plain one to be stored with its answer ({@link UserTurn}):
 * <ul>
 *   <li>continuation: the client's messages extend the stored history; the new suffix is appended;</li>
 *   <li>resume ({@code X-Rebound-Resume: true}): the client sends only new messages; the stored history is prepended
 *       before sending upstream;</li>
 *   <li>divergence (the client edited, rewound or compacted): the old history is kept as a fork
 *       ({@code <id>.fork-<time>}) and the session continues from what the client sent.</li>
 * </ul>
 * A store that cannot be read does not fail the request: it goes on without history, and the event says so.
 */
final class SessionBinding {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How many of the tenant's most recent sessions a resume looks through for the session's threads. */
  static final int THREADS_SCANNED = 1000;
  /** The shortest stored answer a compacted history is recognised by repeating (shorter ones repeat by chance). */
  static final int SUMMARY_MIN = 40;
  /** What a message that carries a client's summary of the conversation says of itself (Claude Code, opencode). */
  static final List<String> SUMMARY_SAYS = List.of("continued from a previous conversation", "conversation is summarized",
      "summary of the conversation", "summary of our conversation", "what did we do so far");

  /** How many message identities {@link #identities} keeps in each of its two generations. */
  static final int IDENTITIES_KEPT = 50_000;

  private final CheckpointStore store;
  private final SessionCache cache;
  private final Clock clock;
  /**
   * Message identities by content hash: every turn resends the whole history, and its content hashes are computed
   * anyway (the context step counts tokens by them), so only a turn's new messages are digested for their identity.
   */
  private final RecentHashes<String> identities = new RecentHashes<>(IDENTITIES_KEPT);

  SessionBinding(CheckpointStore store, SessionCache cache, Clock clock) {
    this.store = store;
    this.cache = cache;
    this.clock = clock;
  }

  Future<Void> bind(Exchange ex) {
    if (ex.sessionId() == null) return Future.succeededFuture();
    SessionKey key;
    try {
      key = new SessionKey(ex.tenant(), ex.sessionId());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new GatewayException(ClientError.invalidRequest(e.getMessage(), "session_id")));
    }
    boolean resume = "true".equalsIgnoreCase(ex.requestHeaders().get("x-rebound-resume"));
    String named = ex.requestHeaders().get("x-rebound-thread");
    if (named != null && !named.isBlank()) {
      // the client names the thread it goes on with (a resume by id picks the main one otherwise)
      String thread = named.strip();
      if (!thread.equals(key.id()) && !(ThreadIds.isThread(thread) && ThreadIds.sessionOf(thread).equals(key.id()))) {
        return Future.failedFuture(new GatewayException(ClientError.invalidRequest("x-rebound-thread '" + thread
            + "' is no thread of session '" + key.id() + "' (the session's id, or <id>:t<10 hex digits>)",
            "x-rebound-thread")));
      }
      key = new SessionKey(key.tenant(), thread);
    }
    SessionKey asked = key;
    boolean pick = resume && (named == null || named.isBlank());
    Future<SessionKey> thread = pick ? mainThread(key) : Future.succeededFuture(key);
    // a thread the client names, or the one a resume picked, is gone on with as it is
    boolean threads = named == null || named.isBlank();
    return thread.compose(k -> bind(ex, k, resume, true, threads && k.equals(asked))).recover(err -> {
      // the answer matters more than its record: go on, and say that this turn is not stored
      emit(ex, EventType.SESSION_UNRECORDED, "the session store failed (" + err.getMessage() + "); this turn is served but not stored",
          Map.of());
      return Future.succeededFuture();
    });
  }

  /**
   * The thread a resume by id goes on with: the one with the most turns (the session itself when its threads have no
   * more). A store that cannot list goes on with the session itself.
   */
  private Future<SessionKey> mainThread(SessionKey session) {
    return store.list(session.tenant(), 0, THREADS_SCANNED).map(all -> {
      SessionMeta best = null;
      for (SessionMeta m : all) {
        if (!ThreadIds.sessionOf(m.key().id()).equals(session.id())) continue;
        boolean itself = m.key().id().equals(session.id());
        if (best == null || m.turns() > best.turns() || (m.turns() == best.turns() && itself)) best = m;
      }
      return best == null ? session : best.key();
    }).otherwise(session);
  }

  /**
   * @param main whether {@code key} is the session's main thread: a request that extends nothing there and has nothing
   *             in common with it goes to a thread of its own
   */
  private Future<Void> bind(Exchange ex, SessionKey key, boolean resume, boolean mayRetry, boolean main) {
    // the conversation as a session stores it; what an earlier step completed from the store (previous_response_id)
    RequestMessages asSent = new RequestMessages(ex.format().layout().sessionMessages(ex.asCompleted()), ex.digests(),
        identities);
    return load(key, asSent, resume, mayRetry).compose(loaded -> {
      RequestMessages request = asSent;
      List<String> known = loaded.identities();
      List<StoredMessage> history = loaded.messages().stream().filter(m -> !m.partial()).toList();
      int from;
      boolean forked = false;
      String compacted = null;
      Future<Long> ready;
      if (loaded.cached() != null) {
        if (resume || request.extensionOfKnown(known) < 0) {
          return Future.failedFuture(new IllegalStateException("the store is unreachable and this turn "
              + (resume ? "needs the stored history to resume" : "does not extend the history this gateway knows")));
        }
        from = request.extensionOfKnown(known);
        ready = Future.succeededFuture(loaded.version());
      } else if (known != null) {
        // the history this gateway stored last is still the store's (same version): the request was checked against it
        from = request.extensionOfKnown(known);
        ready = Future.succeededFuture(loaded.version());
      } else if (resume) {
        Resumed resumed;
        try {
          resumed = Resumed.of(loaded.messages(), history, ex.format().layout().sessionMessages(ex.asCompleted()));
        } catch (java.io.IOException e) {
          return Future.failedFuture(e);
        }
        ex.replaceMessages(resumed.upstream());
        request = new RequestMessages(resumed.stored(), ex.digests(), identities);
        from = history.size();
        ready = Future.succeededFuture(loaded.version());
        emit(ex, EventType.RESUME, "prepended " + history.size() + " stored message(s) to " + asSent.size()
            + " new one(s)" + resumed.note(), Map.of());
      } else if ((from = request.extensionOf(history)) >= 0) {
        ready = Future.succeededFuture(loaded.version());
      } else if (request.reasks(history)) {
        // the same question again (through another gateway, or after an end the client never saw): not a fork
        RequestMessages asked = request;
        ex.bound(new SessionTurn(key, loaded.version(), loaded.turnsBefore() + request.answers() + 1,
            () -> asked.asNew(0, asked.size()), true));
        emit(ex, EventType.SESSION, "the request asks again a question the session has answered (message " + request.size()
            + " of " + history.size() + "); its answer is stored only if none is", Map.of());
        return Future.succeededFuture();
      } else if (request.asksForSummary(history)) {
        // Claude Code's /compact: its summary is a side request, the compacted history that follows is what the
        // thread goes on with; stored as a thread of its own, as other side requests are, so that its usage counts
        String session = ThreadIds.sessionOf(key.id());
        SessionKey summary = new SessionKey(key.tenant(), ThreadIds.of(session, "summary of " + key.id() + "|"
            + request.threadKey(ex.format().layout().topLevelSystem(ex.json())) + "|" + history.size()));
        emit(ex, EventType.SESSION, "the request asks for a summary of the session's history (message " + request.size()
            + " of " + history.size() + ": a client about to compact it); a side request, stored in thread "
            + summary.id() + " of the session", Map.of("thread", summary.id()));
        return bind(ex, summary, false, mayRetry, false);
      } else if (request.compacts(history)) {
        // the client summarised its history and goes on from the summary: a checkpoint of what it was, not a fork;
        // the session's messages are replaced in place, its checkpoints, events, turns and usage stay
        from = 0;
        compacted = compactedView(history);
        ready = Future.succeededFuture(loaded.version());
      } else if (main && request.sharesNoTurnWith(history)
          && (ex.format().layout().topLevelSystem(ex.json()) != null || request.systemDiffers(history))) {
        // another conversation under the same id (a title, a summary, a sub-agent): its own thread, not a fork
        SessionKey named = new SessionKey(key.tenant(), ThreadIds.of(key.id(), request.threadKey(ex.format().layout().topLevelSystem(ex.json()))));
        return threadFor(key, named, request).compose(thread -> {
          emit(ex, EventType.SESSION, "the request shares no turn with the main thread: it goes on in thread "
              + thread.id() + " of the session", Map.of("thread", thread.id()));
          return bind(ex, thread, false, mayRetry, false);
        });
      } else {
        from = 0;
        forked = true;
        ready = fork(ex, key, loaded);
      }
      // after a fork the session goes on from what the client sent, its turns those of that history; after a
      // compaction it goes on from the compacted history, its turns counted on: those the summary stands for come
      // before the compacted history's own. Either way the messages are replaced in place (under the version check):
      // the session keeps its checkpoints, events and usage, and a turn another gateway stored meanwhile is not lost
      Loaded base = forked || compacted != null ? new Loaded(loaded.version(), loaded.turns(), loaded.created(),
          List.of(), null, null, loaded.meta(), forked ? 0 : Math.max(0, loaded.turns() - request.answers()))
          : loaded;
      int first = from;
      RequestMessages sent = request;
      CheckpointDraft replacing = compacted != null ? new CheckpointDraft(CheckpointKind.COMPACTED, null,
          compacted, 0, "the client compacted " + history.size() + " message(s) into " + request.size()
          + "; this checkpoint's context is the whole history before")
          : forked ? new CheckpointDraft(CheckpointKind.DIVERGED, null, compactedView(history), 0,
              "the client's history diverges from the stored one: its " + request.size() + " message(s) replace the "
              + history.size() + " stored; this checkpoint's context is the whole history before")
          : null;
      Supplier<Future<Void>> again = resume ? null : () -> rebind(ex, key, main);
      return ready.compose(version -> append(ex, key, version, sent, first, base, replacing, again))
          .recover(err -> {
            if (err instanceof StaleWriteException && mayRetry) {
              // another writer got there first: read the session again and bind once more
              return bind(ex, key, resume, false, main).map(v -> (SessionMeta) null);
            }
            return Future.failedFuture(err);
          })
          .mapEmpty();
    });
  }

  /**
   * The thread a request of another conversation goes on in: the one its system prompt and first question name; when
   * that one does not exist yet, a thread of the session whose history the request continues or compacts, since a
   * compacted conversation starts with another first question (opencode's "What did we do so far?").
   */
  private Future<SessionKey> threadFor(SessionKey session, SessionKey named, RequestMessages request) {
    return store.meta(named).compose(meta -> {
      if (meta != null) return Future.succeededFuture(named);
      return store.list(session.tenant(), 0, THREADS_SCANNED).compose(all -> {
        List<SessionMeta> threads = all.stream()
            .filter(m -> ThreadIds.isThread(m.key().id()) && ThreadIds.sessionOf(m.key().id()).equals(session.id()))
            .sorted(java.util.Comparator.comparing(SessionMeta::turns).reversed()).toList();
        return continuedThread(threads, 0, request).map(found -> found != null ? found : named);
      });
    });
  }

  /** The first of {@code threads} (from {@code i}) whose history the request extends or compacts; null when none. */
  private Future<SessionKey> continuedThread(List<SessionMeta> threads, int i, RequestMessages request) {
    if (i >= threads.size()) return Future.succeededFuture(null);
    SessionMeta thread = threads.get(i);
    return store.messages(thread.key(), 0, thread.messageCount()).compose(msgs -> {
      List<StoredMessage> history = msgs.stream().filter(m -> !m.partial()).toList();
      // a compacted conversation keeps its system prompt; a summary request, quoting the answers, has one of its own
      if (!history.isEmpty() && (request.extensionOf(history) >= 0
          || (!request.systemDiffers(history) && request.compacts(history)))) {
        return Future.succeededFuture(thread.key());
      }
      return continuedThread(threads, i + 1, request);
    });
  }

  /**
   * Appends the request's messages from index {@code from} on (the ones the store does not have yet).
   *
   * @param replacing the COMPACTED or DIVERGED checkpoint to take instead of the user turn's (null: none); the
   *                  request's messages then replace the stored ones
   * @param again     binds the request once more from the store as it is then; null when the turn cannot wait to be
   *                  stored with its answer (a resume rewrites what is sent from what is stored)
   */
  private Future<SessionMeta> append(Exchange ex, SessionKey key, long version, RequestMessages request, int from,
      Loaded loaded, CheckpointDraft replacing, Supplier<Future<Void>> again) {
    if (ex.session() != null) return Future.succeededFuture();
    List<NewMessage> fresh = request.asNew(from, request.size());
    String label = ex.requestHeaders().get("x-rebound-checkpoint");
    CheckpointKind kind = label != null && !label.isBlank() ? CheckpointKind.WORKFLOW : CheckpointKind.PRE_ATTEMPT;
    String contextView = ContextView.SENT_AS_STORED;
    // a stored partial answer the client sends back (what it was shown of a cut answer) takes the partial's place
    boolean replacesPartial = !fresh.isEmpty() && "assistant".equals(fresh.get(0).role()) && !loaded.messages().isEmpty()
        && loaded.messages().get(loaded.messages().size() - 1).partial();
    Append base = Append.of(version, fresh.toArray(NewMessage[]::new));
    Append append = (replacing != null ? base.replacingHistory() : replacesPartial ? base.replacingPartial() : base)
        .ofSessionCreated(loaded.created())
        .extending(() -> request.asNew(0, from))
        .withCheckpoint(replacing != null ? replacing
            : new CheckpointDraft(kind, kind == CheckpointKind.WORKFLOW ? label.trim() : null, contextView,
            0, "user turn stored before the first upstream attempt"))
        // answers that arrive with the request (a new session's history, a resumed partial) are turns stored too;
        // those of a compacted history are not: they restate turns counted already; after a divergence the session
        // counts the turns of the history the client sent
        .withMeta(new MetaChange(ex.protocol().id(), null, SessionMeta.ACTIVE, replacing == null
            ? (int) fresh.stream().filter(m -> "assistant".equals(m.role())).count()
            : replacing.kind() == CheckpointKind.DIVERGED ? request.answers() - loaded.turns() : 0, 0));
    // the turn's number is the exchanges completed before it in the history it continues, whatever counters say,
    // after the turns a compaction summarised
    int turn = loaded.turnsBefore() + request.answers() + 1;
    SessionJournal.Writes writes = ex.sessionWrites();
    if (writes != null && writes.userTurnMayWait() && again != null && replacing == null && !replacesPartial
        && kind == CheckpointKind.PRE_ATTEMPT) {
      // a plain turn: stored with its answer, in one write, unless that is slow in coming
      ex.bound(new SessionTurn(key, version, turn, () -> request.asNew(0, request.size()), false));
      Append alone = append.withCheckpoint(new CheckpointDraft(kind, null, contextView, 0,
          "user turn stored before its answer"));
      Consumer<SessionMeta> stored = meta -> remember(key, loaded, meta, request, from);
      writes.userTurnWaits(new UserTurn(alone, stored, () -> storeAlone(ex, key, alone, fresh.size(), stored, again),
          again));
      return Future.succeededFuture();
    }
    return store.append(key, append).onSuccess(meta -> {
      ex.bound(new SessionTurn(key, meta.version(), turn, () -> request.asNew(0, request.size()), false));
      remember(key, loaded, meta, request, from);
      if (replacing != null) {
        emit(ex, EventType.CHECKPOINT, replacing.kind().name() + " checkpoint: " + replacing.reason()
            + "; the session goes on from the " + (replacing.kind() == CheckpointKind.COMPACTED ? "compacted history"
            : "history the client sent"), Map.of("kind", replacing.kind().name(), "version", meta.version()));
      } else {
        emit(ex, EventType.CHECKPOINT, "user turn stored (" + fresh.size() + " new message(s)) before the first attempt",
            Map.of("kind", kind.name(), "version", meta.version()));
      }
    });
  }

  /**
   * Stores a user turn that waited for its answer on its own. When the session moved meanwhile (another gateway wrote
   * it, or deleted it and started another under the same id), the request is bound again from the store as it is now,
   * as one bound on the way in would have been.
   */
  private Future<Void> storeAlone(Exchange ex, SessionKey key, Append alone, int messages,
      Consumer<SessionMeta> stored, Supplier<Future<Void>> again) {
    return store.append(key, alone).compose(meta -> {
      stored.accept(meta);
      ex.bound(ex.session().at(meta.version()));
      emit(ex, EventType.CHECKPOINT, "user turn stored (" + messages + " new message(s)) before its answer",
          Map.of("kind", CheckpointKind.PRE_ATTEMPT.name(), "version", meta.version()));
      return Future.<Void>succeededFuture();
    }, err -> {
      if (err instanceof StaleWriteException) return again.get();
      emit(ex, EventType.SESSION_UNRECORDED, "the user turn could not be stored (" + err.getMessage()
          + "); it goes with the request's next write", Map.of());
      return Future.failedFuture(err);
    });
  }

  /**
   * Binds the request once more, from the session as stored now, and stores its user turn at once: a user turn that
   * waited found the session moved. The request is left unbound (its turn unrecorded) when that fails too.
   */
  private Future<Void> rebind(Exchange ex, SessionKey key, boolean main) {
    cache.forget(key);
    ex.bound(null);
    ex.sessionWrites().noMoreWaiting();
    emit(ex, EventType.SESSION, "the session moved while the user turn waited for its answer; the request is bound "
        + "again to the session as stored now", Map.of());
    return bind(ex, key, false, false, main).recover(err -> {
      ex.bound(null);
      emit(ex, EventType.SESSION_UNRECORDED, "the session store failed (" + err.getMessage()
          + "); this turn is served but not stored", Map.of());
      return Future.succeededFuture();
    });
  }

  private void remember(SessionKey key, Loaded loaded, SessionMeta written, RequestMessages request, int from) {
    List<String> identities = new ArrayList<>();
    if (loaded.identities() != null) {
      identities.addAll(loaded.identities());
    } else {
      for (StoredMessage m : loaded.messages()) if (!m.partial()) identities.add(MessageIdentity.of(m.json()));
    }
    for (int i = from; i < request.size(); i++) if (!request.emptyAnswer(i)) identities.add(request.identity(i));
    // a new session's creation time is the one just written; a buffered (provisional) one never matches the store's
    Instant created = loaded.created() != null ? loaded.created() : written.created();
    cache.put(key, new SessionCache.Known(written.version(), created, loaded.turns(), identities,
        loaded.turnsBefore()));
  }

  /**
   * Keeps the stored history as a fork of its own ({@code <id>.fork-<time>}, from the last checkpoint), before the
   * session's messages are replaced in place by what the client sent; answers the version to replace them at.
   */
  private Future<Long> fork(Exchange ex, SessionKey key, Loaded loaded) {
    if (loaded.messages().isEmpty()) return Future.succeededFuture(loaded.version());
    SessionKey forkKey = new SessionKey(key.tenant(), forkId(key.id(), clock.millis()));
    return store.checkpoints(key).compose(cps -> {
      if (cps.isEmpty()) return Future.succeededFuture();
      return store.fork(key, cps.get(cps.size() - 1).seq(), forkKey).mapEmpty();
    }).map(v -> {
      emit(ex, EventType.FORK, "the client's history diverges from the stored one; the stored history is kept as session "
          + forkKey.id() + " and this session continues from what the client sent", Map.of("fork", forkKey.id()));
      return loaded.version();
    });
  }

  /** {@code <id>.fork-<time>}: unique across repeated divergences of one session. */
  private static String forkId(String id, long millis) {
    String suffix = ".fork-" + Long.toString(millis, 36);
    return (id.length() + suffix.length() > 128 ? id.substring(0, 128 - suffix.length()) : id) + suffix;
  }

  /**
   * The session as this gateway stored it last, when the request continues that history: nothing is read, since the
   * append checks that the session is still at that version and creation (else it fails as stale, and the turn is
   * bound again from what is stored). Otherwise the session as stored: its meta, then either the history cached for
   * exactly that version and creation, or the stored messages.
   */
  private Future<Loaded> load(SessionKey key, RequestMessages request, boolean resume, boolean trustCache) {
    SessionCache.Known cached = cache.get(key);
    if (trustCache && !resume && cached != null && cached.created() != null
        && request.extensionOfKnown(cached.identities()) >= 0) {
      return Future.succeededFuture(new Loaded(cached.version(), cached.turns(), cached.created(), List.of(),
          cached.identities(), null, null, cached.turnsBefore()));
    }
    return store.meta(key).compose(meta -> {
      if (meta == null) return Future.succeededFuture(new Loaded(0, 0, null, List.of(), null, null));
      SessionCache.Known k = cache.get(key);
      if (!resume && k != null && k.version() == meta.version() && meta.created().equals(k.created())
          && request.extensionOfKnown(k.identities()) >= 0) {
        return Future.succeededFuture(new Loaded(meta.version(), meta.turns(), meta.created(), List.of(),
            k.identities(), null, null, k.turnsBefore()));
      }
      return store.messages(key, 0, meta.messageCount())
          .map(msgs -> new Loaded(meta.version(), meta.turns(), meta.created(), msgs, null, null, meta,
              Math.max(0, meta.turns() - answersIn(msgs))));
    }).recover(err -> {
      // the store cannot be read: bind from what this gateway last knew, so the turn is still stored (buffered); a
      // session it knows nothing of is written as everything the client sent, and reconciled with what the store
      // holds once it is back (HistoryReconciler)
      SessionCache.Known k = cache.get(key);
      if (k == null) k = new SessionCache.Known(0, null, 0, List.of());
      return Future.succeededFuture(new Loaded(k.version(), k.turns(), k.created(), List.of(), k.identities(), k, null,
          k.turnsBefore()));
    });
  }

  /**
   * A resumed request ({@code X-Rebound-Resume}): the stored history with the client's new messages after it, built
   * twice: as sent upstream, and as stored.
   * <ul>
   *   <li>System prompts: when the client sends its own (role system or developer), it replaces the stored ones for
   *       this request (they go first, the stored ones are left out); it is stored only when it differs from every
   *       stored one, so a client that resends the same prompt each time does not pile it up.</li>
   *   <li>An interrupted turn (the stored history ends with a question): its stored partial answer, when there is one,
   *       is sent as the answer and stored as complete (the model continues from what it had said); without one, the
   *       question stays right before the new messages and is answered with them (asked again).</li>
   * </ul>
   */
  private record Resumed(ArrayNode upstream, ArrayNode stored, String note) {
    static Resumed of(List<StoredMessage> all, List<StoredMessage> complete, JsonNode fresh) throws java.io.IOException {
      ArrayNode past = JSON.createArrayNode();
      for (StoredMessage m : complete) past.add(JSON.readTree(m.json()));
      String note = "";
      StoredMessage last = all.isEmpty() ? null : all.get(all.size() - 1);
      boolean interrupted = !complete.isEmpty() && "user".equals(complete.get(complete.size() - 1).role());
      if (interrupted && last != null && last.partial()) {
        past.add(JSON.readTree(last.json()));
        note = "; the interrupted turn goes on from its stored partial answer";
      } else if (interrupted) {
        note = "; the interrupted turn had no answer: its question is asked again with the new message(s)";
      }
      List<JsonNode> clientSystem = new ArrayList<>();
      List<JsonNode> clientRest = new ArrayList<>();
      fresh.forEach(m -> (isSystem(m) ? clientSystem : clientRest).add(m));

      ArrayNode upstream = JSON.createArrayNode();
      ArrayNode stored = past.deepCopy();
      if (clientSystem.isEmpty()) {
        upstream.addAll(past);
        fresh.forEach(upstream::add);
        fresh.forEach(stored::add);
        return new Resumed(upstream, stored, note);
      }
      List<String> storedSystem = new ArrayList<>();
      for (JsonNode m : past) if (isSystem(m)) storedSystem.add(MessageIdentity.of(m));
      upstream.addAll(clientSystem);
      for (JsonNode m : past) if (!isSystem(m)) upstream.add(m);
      clientRest.forEach(upstream::add);
      for (JsonNode m : clientSystem) if (!storedSystem.contains(MessageIdentity.of(m))) stored.add(m);
      clientRest.forEach(stored::add);
      return new Resumed(upstream, stored, note + (storedSystem.isEmpty() ? ""
          : "; the client's system prompt replaces the " + storedSystem.size() + " stored one(s) for this request"));
    }

    private static boolean isSystem(JsonNode m) {
      String role = m.path("role").asText("");
      return role.equals("system") || role.equals("developer");
    }
  }

  /**
   * @param created    the session's creation time in the store; null when it does not exist yet
   * @param identities the stored complete messages by identity when the history came from the cache, else null
   *                   (then {@code messages} holds them)
   * @param cached     set when the store could not be read and the history is known only by identity
   * @param turnsBefore the session's turns before its first stored message: those a compaction summarised (the
   *                   session's turns count them, its messages no longer hold them)
   */
  private record Loaded(long version, int turns, Instant created, List<StoredMessage> messages, List<String> identities,
      SessionCache.Known cached, SessionMeta meta, int turnsBefore) {
    Loaded(long version, int turns, Instant created, List<StoredMessage> messages, List<String> identities,
        SessionCache.Known cached) {
      this(version, turns, created, messages, identities, cached, null, 0);
    }
  }

  /** The completed exchanges a stored history holds: its complete answers. */
  private static int answersIn(List<StoredMessage> messages) {
    return (int) messages.stream().filter(m -> "assistant".equals(m.role()) && !m.partial()).count();
  }

  /** The whole history before a compaction, as a context view of its own (the messages themselves). */
  private static String compactedView(List<StoredMessage> history) {
    StringBuilder view = new StringBuilder("[");
    for (StoredMessage m : history) view.append(view.length() > 1 ? "," : "").append(m.json());
    return view.append(']').toString();
  }

  /**
   * The request's messages, each serialized, hashed or reduced to its identity only when needed: a continuing turn
   * compares identities (no JSON text) and serializes only the messages it stores.
   */
  private static final class RequestMessages {
    private final List<JsonNode> nodes = new ArrayList<>();
    private final String[] texts;
    private final String[] identities;
    private final String[] hashes;
    /**
     * The stored history's hashes and identities, each computed once: a request that missed the session cache walks
     * the stored history several times (does it extend it, ask again, compact it, share no turn with it).
     */
    private final Map<StoredMessage, String> storedHashes = new IdentityHashMap<>();
    private final Map<StoredMessage, String> storedIdentities = new IdentityHashMap<>();
    private final ContentDigests digests;
    private final RecentHashes<String> knownIdentities;

    RequestMessages(JsonNode messages, ContentDigests digests, RecentHashes<String> knownIdentities) {
      this.digests = digests;
      this.knownIdentities = knownIdentities;
      messages.forEach(nodes::add);
      texts = new String[nodes.size()];
      identities = new String[nodes.size()];
      hashes = new String[nodes.size()];
    }

    int size() {
      return nodes.size();
    }

    String text(int i) {
      return texts[i] != null ? texts[i] : (texts[i] = nodes.get(i).toString());
    }

    String identity(int i) {
      if (identities[i] == null) {
        JsonNode m = nodes.get(i);
        long content = digests.of(m);
        String id = knownIdentities.get(content);
        if (id == null) {
          id = MessageIdentity.of(m);
          knownIdentities.put(content, id);
        }
        identities[i] = id;
      }
      return identities[i];
    }

    String role(int i) {
      return nodes.get(i).path("role").asText("user");
    }

    private String hash(int i) {
      return hashes[i] != null ? hashes[i] : (hashes[i] = MessageHash.of(text(i)));
    }

    private String storedHash(StoredMessage m) {
      return storedHashes.computeIfAbsent(m, StoredMessage::hash);
    }

    private String storedIdentity(StoredMessage m) {
      return storedIdentities.computeIfAbsent(m, stored -> MessageIdentity.of(stored.json()));
    }

    /** An assistant message that says nothing (an aborted attempt's): kept out of the store and of comparisons. */
    boolean emptyAnswer(int i) {
      return "assistant".equals(role(i)) && MessageIdentity.EMPTY_ANSWER.equals(identity(i));
    }

    /** Messages {@code from} to {@code to} as the store keeps them (empty answers left out). */
    List<NewMessage> asNew(int from, int to) {
      List<NewMessage> out = new ArrayList<>(to - from);
      for (int i = from; i < to; i++) if (!emptyAnswer(i)) out.add(NewMessage.of(role(i), text(i)));
      return out;
    }

    /** Where the request's new messages begin when it extends the history known by identity; -1 when it does not. */
    int extensionOfKnown(List<String> known) {
      Walk w = walk(known.size(), (i, j) -> known.get(j).equals(identity(i)),
          j -> MessageIdentity.EMPTY_ANSWER.equals(known.get(j)));
      return w.extendsAll(known.size()) ? w.request() : -1;
    }

    /**
     * Where the request's new messages begin when it repeats the stored history and adds to it (turn by turn, whatever
     * the JSON spelling; empty answers on either side passed over; an answer the client kept only in part is the
     * stored one); -1 when it does not.
     */
    int extensionOf(List<StoredMessage> history) {
      Walk w = walk(history.size(), (i, j) -> sameTurn(history.get(j), i), j -> storedEmpty(history.get(j)));
      return w.extendsAll(history.size()) ? w.request() : -1;
    }

    /** Whether the request is the stored history cut right after one of its questions (the last message a user's). */
    boolean reasks(List<StoredMessage> history) {
      if (size() == 0 || !"user".equals(role(size() - 1))) return false;
      Walk w = walk(history.size(), (i, j) -> sameTurn(history.get(j), i), j -> storedEmpty(history.get(j)));
      return !w.diverged() && w.request() == size() && w.stored() < history.size();
    }

    /**
     * Whether the request asks the model to summarise the stored history, as a client does right before it compacts
     * (Claude Code): the stored history cut right after one of its questions, the question carrying the instruction to
     * summarise. Without this it would look like an edit of that question (a fork) or, carrying the stored answers, like
     * a compaction already made.
     */
    boolean asksForSummary(List<StoredMessage> history) {
      int last = size() - 1;
      if (last < 1 || !"user".equals(role(last))) return false;
      Walk w = walk(history.size(), (i, j) -> sameTurn(history.get(j), i), j -> storedEmpty(history.get(j)));
      if (!w.diverged() || w.request() != last || !"user".equals(history.get(w.stored()).role())) return false;
      String asked = MessageIdentity.textOf(nodes.get(last)).toLowerCase(java.util.Locale.ROOT);
      return SUMMARY_SAYS.stream().anyMatch(asked::contains);
    }

    /**
     * Whether the request has no user or assistant message in common with the start of the stored history: another
     * conversation (its own system prompt, its own first question), not an edit of this one.
     */
    boolean sharesNoTurnWith(List<StoredMessage> history) {
      if (history.isEmpty()) return false;
      Walk w = walk(history.size(), (i, j) -> sameTurn(history.get(j), i), j -> storedEmpty(history.get(j)));
      for (int j = 0; j < w.stored(); j++) {
        String role = history.get(j).role();
        if (!role.equals("system") && !role.equals("developer")) return false;
      }
      return true;
    }

    /**
     * Whether the request is the stored history compacted by the client: a long history (two exchanges or more)
     * become a shorter one (fewer turns, or fewer characters) that carries a summary of it: a message that repeats one
     * of the stored answers (the summary the client asked for), or that says it is a summary.
     */
    boolean compacts(List<StoredMessage> history) {
      long storedTurns = history.stream().filter(m -> !isSystemRole(m.role())).count();
      long storedChars = history.stream().filter(m -> !isSystemRole(m.role())).mapToLong(m -> m.json().length()).sum();
      long askedTurns = 0;
      long askedChars = 0;
      for (int i = 0; i < size(); i++) {
        if (isSystemRole(role(i)) || emptyAnswer(i)) continue;
        askedTurns++;
        askedChars += text(i).length();
      }
      // shorter in turns, or in what they say (a few turns with a long tool output summarised, as opencode does)
      boolean shorter = askedTurns < storedTurns || askedChars < storedChars;
      if (history.stream().filter(m -> "assistant".equals(m.role())).count() < 2 || !shorter) return false;
      List<String> answers = new ArrayList<>();
      for (StoredMessage m : history) {
        if (!"assistant".equals(m.role())) continue;
        try {
          String text = MessageIdentity.textOf(JSON.readTree(m.json()));
          if (text.length() >= SUMMARY_MIN) answers.add(text.substring(0, Math.min(text.length(), 200)));
        } catch (java.io.IOException e) {
          // an unreadable stored message repeats nothing
        }
      }
      // a message the history holds as it is carries no summary of it: an edit that keeps the first answers is a fork
      java.util.Set<String> kept = new java.util.HashSet<>();
      for (StoredMessage m : history) kept.add(storedIdentity(m));
      for (int i = 0; i < size(); i++) {
        if (isSystemRole(role(i)) || kept.contains(identity(i))) continue;
        String text = MessageIdentity.textOf(nodes.get(i));
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        if (SUMMARY_SAYS.stream().anyMatch(lower::contains)) return true;
        for (String answer : answers) if (text.contains(answer)) return true;
      }
      return false;
    }

    /** Whether the request's leading system messages are not the stored history's (either may have none). */
    boolean systemDiffers(List<StoredMessage> history) {
      List<String> asked = new ArrayList<>();
      for (int i = 0; i < size() && isSystemRole(role(i)); i++) asked.add(identity(i));
      List<String> stored = new ArrayList<>();
      for (int j = 0; j < history.size() && isSystemRole(history.get(j).role()); j++) {
        stored.add(storedIdentity(history.get(j)));
      }
      return !asked.equals(stored);
    }

    private static boolean isSystemRole(String role) {
      return role.equals("system") || role.equals("developer");
    }

    /**
     * What names the conversation the request belongs to: its system prompt (the top-level one, or its system
     * messages) and its first question, by identity. Every later request of that conversation starts the same way.
     * A thread's id is made of it, so it uses the identities every version computes alike.
     */
    String threadKey(JsonNode topLevelSystem) {
      StringBuilder key = new StringBuilder();
      if (topLevelSystem != null && !topLevelSystem.isNull()) {
        key.append(MessageIdentity.lasting(JSON.createObjectNode().put("role", "system").set("content", topLevelSystem)));
      }
      for (int i = 0; i < size(); i++) {
        key.append('|').append(MessageIdentity.lasting(nodes.get(i)));
        if ("user".equals(role(i))) break;
      }
      return key.toString();
    }

    /** The assistant messages the request holds: the exchanges completed before it. */
    int answers() {
      int n = 0;
      for (int i = 0; i < size(); i++) if ("assistant".equals(role(i)) && !emptyAnswer(i)) n++;
      return n;
    }

    private boolean sameTurn(StoredMessage stored, int i) {
      // the fast path: byte-identical after canonicalisation; else compare what the turn says
      if (storedHash(stored).equals(hash(i))) return true;
      if (storedIdentity(stored).equals(identity(i))) return true;
      if (!"assistant".equals(stored.role()) || !"assistant".equals(role(i))) return false;
      try {
        return MessageIdentity.sameAnswerInPart(JSON.readTree(stored.json()), nodes.get(i));
      } catch (java.io.IOException e) {
        return false;
      }
    }

    private boolean storedEmpty(StoredMessage m) {
      return "assistant".equals(m.role()) && MessageIdentity.EMPTY_ANSWER.equals(storedIdentity(m));
    }

    /**
     * The request and a stored history side by side, from the start, while their messages are the same turns; an
     * empty answer on either side is passed over. Stops where either runs out or they differ.
     */
    private Walk walk(int storedSize, java.util.function.BiPredicate<Integer, Integer> same,
        java.util.function.IntPredicate storedIsEmpty) {
      int i = 0;
      int j = 0;
      while (i < size() && j < storedSize) {
        if (same.test(i, j)) {
          i++;
          j++;
        } else if (emptyAnswer(i)) {
          i++;
        } else if (storedIsEmpty.test(j)) {
          j++;
        } else {
          return new Walk(i, j, true);
        }
      }
      while (j < storedSize && storedIsEmpty.test(j)) j++;
      return new Walk(i, j, false);
    }

    /** Where a {@link #walk} stopped: in the request, in the stored history, and whether on a difference. */
    private record Walk(int request, int stored, boolean diverged) {
      boolean extendsAll(int storedSize) {
        return !diverged && stored == storedSize;
      }
    }
  }

  private static void emit(Exchange ex, EventType type, String reason, Map<String, Object> extra) {
    ex.emit(type, reason, extra);
  }
}
