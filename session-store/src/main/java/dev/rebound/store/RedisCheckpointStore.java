package dev.rebound.store;

import dev.rebound.store.RedisScripts.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@link CheckpointStore} on Redis (standalone, cluster or sentinel) through the non-blocking vertx-redis-client.
 *
 * <p>Layout (DESIGN.md): {@code rb:{tenant:id}:meta} hash, {@code :msgs} list of encoded messages, {@code :cps} list of
 * framed checkpoints, {@code :ev} capped stream of events (one entry per write of them; {@code :events} the older
 * layout's, read only); {@code rb:idx:<tenant>} sorted set (score = last update) for listing. Every session write is
 * one Lua script ({@code write.lua}); the index is updated by a second script right after, because it lives on another
 * cluster slot: in cluster mode the listing is therefore not atomic with the write (a session can be briefly missing
 * from, or stale in, the listing; never the other way round for data). A session's place in the listing is refreshed at
 * most once a second ({@link #INDEX_REFRESH_MILLIS}): its order lags its last write by less than that. The keys' TTLs
 * are renewed once a tenth of the TTL has passed since they were last set (meta field {@code ttlAt}), not on every
 * write: each command a script runs costs Redis time on every turn.
 *
 * <p>Commands go over one long-lived pipelined connection ({@link RedisLink}; in a cluster, one per master), which is
 * replaced after it broke or a command on it timed out, so the store recovers by itself. It connects lazily:
 * constructing the store never dials, so a gateway starts while Redis is down; connect and command timeouts are
 * bounded by {@link RedisStoreOptions#timeout()}. Connection-level failures are reported as
 * {@link StoreUnavailableException} (what {@link BufferedCheckpointStore} buffers on).
 */
public final class RedisCheckpointStore implements CheckpointStore {

  /** Error replies that mean "not now" rather than "wrong": the backend is effectively unavailable. */
  private static final Pattern UNAVAILABLE_REPLY =
      Pattern.compile("(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|BUSY)\\b");
  /** A stream entry id ({@code ms-seq}); 19 digits stay below 2^64, so the next id after one always exists. */
  private static final Pattern STREAM_ID = Pattern.compile("\\d{1,19}(-\\d{1,19})?");
  /** Lua's numbers are doubles: exact up to 2^53. */
  private static final BigInteger LUA_EXACT = BigInteger.ONE.shiftLeft(53);

  private final RedisLink redis;
  private final RedisStoreOptions options;
  private final Clock clock;
  private final RedisScripts scripts;
  /** When this store last updated each recent session's place in its tenant's listing (bounded, oldest dropped). */
  private final Map<SessionKey, Long> indexedAt = new LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<SessionKey, Long> eldest) {
      return size() > 10_000;
    }
  };

  /** The listing's order may lag a session's last write by less than this. */
  static final long INDEX_REFRESH_MILLIS = 1_000;

  public RedisCheckpointStore(Vertx vertx, RedisStoreOptions options) {
    this(vertx, options, Clock.systemUTC());
  }

  /** @param clock stamps created / updated / at (Redis itself keeps time for the TTL) */
  public RedisCheckpointStore(Vertx vertx, RedisStoreOptions options, Clock clock) {
    this.options = Objects.requireNonNull(options, "options");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.redis = new RedisLink(vertx, options.redisOptions(), options.timeout().toMillis());
    this.scripts = new RedisScripts(this::send);
  }

  public RedisStoreOptions options() {
    return options;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public Future<SessionMeta> append(SessionKey key, Append append) {
    return guard(() -> {
      Instant now = now();
      List<byte[]> encoded = new ArrayList<>(append.messages().size());
      for (NewMessage m : append.messages()) {
        encoded.add(MessageCodec.encodeMessage(
            new StoredMessage(-1, m.role(), m.json(), m.partial(), now, m.usage()), true));
      }
      byte[] checkpoint = append.checkpoint() == null
          ? null : MessageCodec.encodeCheckpointBody(append.checkpoint(), now);
      return write(key, append.replaceHistory() ? "replace" : "append", append.expectedVersion(),
          append.expectedCreated(), 0, append.replacePartial(),
          encoded, checkpoint, append.metaOrNone(), null, now);
    });
  }

  @Override
  public Future<SessionMeta> fork(SessionKey from, int checkpointSeq, SessionKey to) {
    return guard(() -> {
      Objects.requireNonNull(to, "to");
      return meta(from).compose(source -> {
        if (source == null) return Future.failedFuture(new SessionNotFoundException(from));
        return checkpoints(from).compose(all -> {
          Checkpoint cp = CheckpointLookup.usable(from, all, checkpointSeq);
          return messages(from, 0, cp.messageCount()).compose(history -> {
            if (history.size() < cp.messageCount()) return Future.failedFuture(new SessionNotFoundException(from));
            Instant now = now();
            List<byte[]> encoded = history.stream().map(m -> MessageCodec.encodeMessage(m, true)).toList();
            CheckpointDraft copy = new CheckpointDraft(CheckpointKind.MANUAL, cp.label(), cp.contextView(), cp.tokens(),
                CheckpointLookup.forkReason(from, checkpointSeq));
            MetaChange meta = CheckpointLookup.forkMeta(source, history);
            return write(to, "create", 0, null, 0, false, encoded, MessageCodec.encodeCheckpointBody(copy, now), meta,
                CheckpointLookup.forkedFrom(from, checkpointSeq), now);
          });
        });
      });
    });
  }

  @Override
  public Future<SessionMeta> restore(SessionKey key, int checkpointSeq, long expectedVersion) {
    return guard(() -> checkpoints(key).compose(all -> {
      if (checkpointSeq < 1 || checkpointSeq > all.size()) {
        return meta(key).compose(m -> Future.failedFuture(m == null
            ? new SessionNotFoundException(key) : new SessionNotFoundException(key, checkpointSeq)));
      }
      // a compaction since replaced the messages it counts (the script checks rewinds, by message counts, itself;
      // and the version check fails the write if a compaction came after this read)
      Checkpoint cp = CheckpointLookup.usable(key, all, checkpointSeq);
      CheckpointDraft marker = new CheckpointDraft(CheckpointKind.MANUAL, null, cp.contextView(), cp.tokens(),
          CheckpointLookup.restoreReason(checkpointSeq));
      // the turns the rewind drops no longer count (the version check makes this read and the write one)
      return meta(key).compose(current -> current == null ? Future.failedFuture(new SessionNotFoundException(key))
          : messages(key, 0, current.messageCount()).compose(stored -> {
            Instant now = now();
            MetaChange counted = new MetaChange(null, null, null,
                CheckpointLookup.turnsDeltaOfRewind(current.turns(), stored, cp.messageCount()), 0);
            // the script re-checks the checkpoint's message count and later rewinds atomically with the truncation
            return write(key, "restore", expectedVersion, null, checkpointSeq, false, List.of(),
                MessageCodec.encodeCheckpointBody(marker, now), counted, null, now);
          }));
    }));
  }

  private Future<SessionMeta> write(SessionKey key, String mode, long expectedVersion, Instant expectedCreated,
      int restoreSeq, boolean replacePartial, List<byte[]> messages, byte[] checkpoint, MetaChange meta,
      String forkedFrom, Instant now) {
    RedisKeys keys = RedisKeys.of(key);
    List<Object> args = new ArrayList<>(messages.size() + 20);
    args.add(mode);
    args.add(expectedVersion);
    args.add(now.toEpochMilli());
    args.add(options.ttl().toMillis());
    args.add(replacePartial ? "1" : "0");
    args.add(restoreSeq);
    args.add(key.tenant());
    args.add(key.id());
    args.add(orEmpty(meta.protocol()));
    args.add(orEmpty(meta.agent()));
    args.add(orEmpty(meta.status()));
    args.add(orEmpty(forkedFrom));
    args.add(meta.turnsDelta());
    args.add(meta.tokensDelta());
    args.add(expectedCreated == null ? "" : Long.toString(expectedCreated.toEpochMilli()));
    TurnUsage usage = meta.usageDelta();
    args.add(usage.input());
    args.add(usage.output());
    args.add(usage.cacheRead());
    args.add(usage.cacheWrite());
    args.add(messages.size());
    args.addAll(messages);
    args.add(checkpoint == null ? "0" : "1");
    if (checkpoint != null) args.add(checkpoint);

    return scripts.run(Script.WRITE, keys.session(), args).compose(reply -> {
      String outcome = reply.get(0).toString();
      return switch (outcome) {
        case "OK" -> {
          SessionMeta written = toMeta(key, writtenFields(reply.get(1)));
          yield listingIsCurrent(key, mode, written) ? Future.succeededFuture(written)
              : updateIndex(keys, written).map(written);
        }
        case "STALE" -> Future.failedFuture(
            new StaleWriteException(key, expectedVersion, Long.parseLong(reply.get(1).toString())));
        case "RECREATED" -> Future.failedFuture(new StaleWriteException(key, expectedVersion, expectedCreated,
            Instant.ofEpochMilli(Long.parseLong(reply.get(1).toString()))));
        case "EXISTS" -> Future.failedFuture(new SessionExistsException(key));
        case "MISSING" -> Future.failedFuture(new SessionNotFoundException(key));
        case "NO_CHECKPOINT" -> Future.failedFuture(new SessionNotFoundException(key, restoreSeq));
        case "SUPERSEDED" -> Future.failedFuture(
            new CheckpointSupersededException(key, restoreSeq, Integer.parseInt(reply.get(1).toString())));
        default -> Future.failedFuture(new IllegalStateException("unexpected reply from write.lua: " + outcome));
      };
    });
  }

  /**
   * Whether the tenant's listing already places this session well enough: a session moved there by this store less
   * than {@link #INDEX_REFRESH_MILLIS} ago keeps its place (an agent's turn is two writes a few milliseconds apart, and
   * each index update is a Redis round trip of its own). New sessions, forks and restores always update it.
   */
  private boolean listingIsCurrent(SessionKey key, String mode, SessionMeta written) {
    long updated = written.updated().toEpochMilli();
    synchronized (indexedAt) {
      Long last = indexedAt.get(key);
      if (mode.equals("append") && written.version() > 1 && last != null && updated - last >= 0
          && updated - last < INDEX_REFRESH_MILLIS) {
        return true;
      }
      indexedAt.put(key, updated);
      return false;
    }
  }

  /** Second step of a write; its failure must not fail the (already durable) write, the next write repairs it. */
  private Future<Void> updateIndex(RedisKeys keys, SessionMeta meta) {
    long updated = meta.updated().toEpochMilli();
    long ttl = options.ttl().toMillis();
    return scripts.run(Script.INDEX, List.of(keys.index()), List.of(meta.key().id(), updated, updated - ttl, ttl))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  @Override
  public Future<Boolean> delete(SessionKey key) {
    synchronized (indexedAt) {
      indexedAt.remove(key);
    }
    return guard(() -> {
      RedisKeys keys = RedisKeys.of(key);
      Request del = Request.cmd(Command.DEL);
      keys.session().forEach(del::arg);
      return send(del).compose(removed -> send(Request.cmd(Command.ZREM).arg(keys.index()).arg(key.id()))
          .map(ignored -> removed.toLong() > 0));
    });
  }

  @Override
  public Future<List<String>> appendEvents(SessionKey key, List<NewEvent> events) {
    return guard(() -> {
      if (key == null || events == null || events.isEmpty()) {
        throw new IllegalArgumentException("a session key and at least one event are required");
      }
      RedisKeys keys = RedisKeys.of(key);
      long now = now().toEpochMilli();
      List<Object> args = List.of(options.maxEvents(), options.ttl().toMillis(), now, events.size(),
          EventRows.encode(events, now));
      return scripts.run(Script.EVENT, List.of(keys.events(), keys.meta(), keys.msgs(), keys.cps(), keys.oldEvents()),
          args).map(reply -> {
            String prefix = reply.get(0).toString() + "-";
            long first = reply.get(1).toLong();
            List<String> ids = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) ids.add(prefix + (first + i));
            return ids;
          });
    });
  }

  /**
   * One key per response, {@code rb:resp:<tenant>:<id>} (no hash tag: responses spread over a cluster's slots), a
   * JSON value set with its TTL in the same command.
   */
  @Override
  public Future<Void> putResponse(StoredResponse response) {
    return guard(() -> {
      Objects.requireNonNull(response, "response");
      io.vertx.core.json.JsonObject row = new io.vertx.core.json.JsonObject().put("session", response.sessionId())
          .put("turn", response.turn()).put("json", response.json())
          .put("created", (response.created() == null ? now() : response.created()).toEpochMilli());
      return send(Request.cmd(Command.SET).arg(RedisKeys.response(response.tenant(), response.id())).arg(row.encode())
          .arg("PX").arg(options.ttl().toMillis())).mapEmpty();
    });
  }

  @Override
  public Future<StoredResponse> response(String tenant, String responseId) {
    return guard(() -> {
      if (tenant == null || !SessionKey.TENANT.matcher(tenant).matches()) {
        throw new IllegalArgumentException("invalid tenant '" + tenant + "'");
      }
      if (!StoredResponse.validId(responseId)) return Future.succeededFuture(null);
      return send(Request.cmd(Command.GET).arg(RedisKeys.response(tenant, responseId))).map(reply -> {
        if (reply == null) return null;
        io.vertx.core.json.JsonObject row = new io.vertx.core.json.JsonObject(reply.toString());
        return new StoredResponse(tenant, responseId, row.getString("session"), row.getInteger("turn"),
            row.getString("json"), Instant.ofEpochMilli(row.getLong("created")));
      });
    });
  }

  @Override
  public Future<Boolean> deleteResponse(String tenant, String responseId) {
    return guard(() -> {
      if (tenant == null || !SessionKey.TENANT.matcher(tenant).matches()) {
        throw new IllegalArgumentException("invalid tenant '" + tenant + "'");
      }
      if (!StoredResponse.validId(responseId)) return Future.succeededFuture(false);
      return send(Request.cmd(Command.DEL).arg(RedisKeys.response(tenant, responseId))).map(n -> n.toLong() > 0);
    });
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Future<SessionMeta> meta(SessionKey key) {
    return guard(() -> send(Request.cmd(Command.HGETALL).arg(RedisKeys.of(key).meta()))
        .map(reply -> {
          Map<String, String> fields = fields(reply);
          return fields.isEmpty() ? null : toMeta(key, fields);
        }));
  }

  @Override
  public Future<List<StoredMessage>> messages(SessionKey key, int from, int toExclusive) {
    return guard(() -> {
      int start = Math.max(0, from);
      if (toExclusive <= start) return Future.succeededFuture(List.of());
      Request lrange = Request.cmd(Command.LRANGE).arg(RedisKeys.of(key).msgs()).arg(start).arg(toExclusive - 1L);
      return send(lrange).map(reply -> {
        List<StoredMessage> out = new ArrayList<>(reply == null ? 0 : reply.size());
        if (reply != null) {
          for (int i = 0; i < reply.size(); i++) out.add(MessageCodec.decodeMessage(start + i, reply.get(i).toBytes()));
        }
        return out;
      });
    });
  }

  @Override
  public Future<List<Checkpoint>> checkpoints(SessionKey key) {
    return guard(() -> send(Request.cmd(Command.LRANGE).arg(RedisKeys.of(key).cps()).arg(0).arg(-1)).map(reply -> {
      List<Checkpoint> out = new ArrayList<>(reply == null ? 0 : reply.size());
      if (reply != null) reply.forEach(frame -> out.add(MessageCodec.decodeCheckpoint(frame.toBytes())));
      return out;
    }));
  }

  @Override
  public Future<Checkpoint> checkpoint(SessionKey key, int seq) {
    return guard(() -> {
      if (seq < 1) return Future.succeededFuture(null);
      return send(Request.cmd(Command.LINDEX).arg(RedisKeys.of(key).cps()).arg(seq - 1))
          .map(frame -> frame == null ? null : MessageCodec.decodeCheckpoint(frame.toBytes()));
    });
  }

  @Override
  public Future<List<SessionMeta>> list(String tenant, int offset, int limit) {
    return guard(() -> {
      if (tenant == null || !SessionKey.TENANT.matcher(tenant).matches()) {
        throw new IllegalArgumentException("invalid tenant '" + tenant + "'");
      }
      if (limit <= 0) return Future.succeededFuture(List.of());
      String index = RedisKeys.index(tenant);
      long expiredBefore = now().toEpochMilli() - options.ttl().toMillis();
      Request page = Request.cmd(Command.ZREVRANGEBYSCORE).arg(index).arg("+inf").arg("(" + expiredBefore)
          .arg("LIMIT").arg(Math.max(0, offset)).arg(limit);
      return send(page).compose(ids -> {
        List<Future<SessionMeta>> metas = new ArrayList<>();
        for (Response id : ids) {
          SessionKey key = new SessionKey(tenant, id.toString());
          // an index entry can outlive its session (deleted elsewhere, expired early): drop it lazily
          metas.add(meta(key).compose(m -> m != null ? Future.succeededFuture(m)
              : send(Request.cmd(Command.ZREM).arg(index).arg(key.id())).map((SessionMeta) null)));
        }
        return Future.all(metas).map(all -> {
          List<SessionMeta> out = new ArrayList<>();
          for (int i = 0; i < all.size(); i++) {
            SessionMeta m = all.resultAt(i);
            if (m != null) out.add(m);
          }
          return out;
        });
      });
    });
  }

  /**
   * One script reads both streams (the session's, and the older layout's for a session written before it) and the
   * cap's floor at once; see {@code event-range.lua}.
   */
  @Override
  public Future<List<SessionEvent>> events(SessionKey key, String afterId, int limit) {
    return guard(() -> {
      if (afterId != null && !STREAM_ID.matcher(afterId).matches()) {
        // Redis would answer "ERR Invalid stream ID", which reads like the store failing
        return Future.failedFuture(new IllegalArgumentException("invalid event id '" + afterId + "'"));
      }
      if (limit <= 0) return Future.succeededFuture(List.of());
      String afterBase = "";
      String afterNumber = "0";
      if (afterId != null) {
        int dash = afterId.indexOf('-');
        afterBase = dash < 0 ? afterId : afterId.substring(0, dash);
        // a number past 2^53 is past any the store gave out; Lua's numbers are doubles
        if (dash >= 0) afterNumber = new BigInteger(afterId.substring(dash + 1)).min(LUA_EXACT).toString();
      }
      RedisKeys keys = RedisKeys.of(key);
      return scripts.run(Script.EVENT_RANGE, List.of(keys.events(), keys.oldEvents()),
          List.of(options.maxEvents(), limit, afterBase, afterNumber)).map(reply -> {
            long from = reply.get(0).toLong();
            List<SessionEvent> out = new ArrayList<>();
            for (Response entry : reply.get(1)) {
              if (out.size() == limit) return out;
              Map<String, String> f = fields(entry.get(1));
              out.add(new SessionEvent(entry.get(0).toString(), Instant.ofEpochMilli(Long.parseLong(f.get("at"))),
                  f.get("type"), f.get("reason"), f.get("json")));
            }
            for (Response entry : reply.get(2)) {
              String id = entry.get(0).toString();
              int dash = id.indexOf('-');
              byte[] row = entry.get(1).get(1).toBytes();
              long last = Long.parseLong(id, dash + 1, id.length(), 10);
              EventRows.decode(row, id.substring(0, dash + 1), last - EventRows.count(row) + 1, from, out);
            }
            return out.size() > limit ? out.subList(0, limit) : out;
          });
    });
  }

  /**
   * PING; in a cluster, CLUSTER INFO instead: a PING reaches one random master and says nothing of the others, while a
   * node's cluster state is ok only when every slot is served.
   */
  /** What Redis answered is as durable as its persistence settings make any write: nothing more to wait for. */
  @Override
  public Future<Void> durable() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ping() {
    if (!options.type().equals("cluster")) return guard(() -> send(Request.cmd(Command.PING)).mapEmpty());
    return guard(() -> send(Request.cmd(Command.CLUSTER).arg("INFO")).compose(info ->
        info != null && info.toString().contains("cluster_state:ok") ? Future.<Void>succeededFuture()
            : Future.failedFuture(new StoreUnavailableException("redis cluster cannot serve every slot: "
                + (info == null ? "no cluster info" : info.toString().lines().findFirst().orElse(""))))));
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }

  // ---------------------------------------------------------------- plumbing

  /** Every command goes through here: bounded in time, connection trouble mapped to StoreUnavailableException. */
  private Future<Response> send(Request request) {
    return redis.send(request).recover(RedisCheckpointStore::translate);
  }

  private static Future<Response> translate(Throwable failure) {
    if (failure.getMessage() != null && failure.getMessage().contains("CROSSSLOT")) {
      // keys of one command in two cluster slots: a bug to fix, not an outage to wait out (a replay would fail again)
      return Future.failedFuture(new IllegalStateException(failure.getMessage(), failure));
    }
    if (failure instanceof Response) {
      // an error reply: Redis answered, so it is reachable, unless the reply says it cannot serve right now
      String message = failure.getMessage();
      if (message != null && UNAVAILABLE_REPLY.matcher(message).lookingAt()) {
        return Future.failedFuture(new StoreUnavailableException("redis cannot serve", failure));
      }
      return Future.failedFuture(failure);
    }
    return Future.failedFuture(new StoreUnavailableException("redis unreachable", failure));
  }

  /** The SPI promises failed futures, never synchronous throws (bad keys, arguments, encoding errors). */
  private static <T> Future<T> guard(Supplier<Future<T>> operation) {
    try {
      return operation.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  /** A hash reply as a map: RESP3 returns a map, RESP2 and Lua a flat [field, value, ...] array. */
  private static Map<String, String> fields(Response reply) {
    Map<String, String> out = new HashMap<>();
    if (reply == null) return out;
    if (reply.isMap()) {
      for (String field : reply.getKeys()) out.put(field, reply.get(field).toString());
    } else {
      for (int i = 0; i + 1 < reply.size(); i += 2) out.put(reply.get(i).toString(), reply.get(i + 1).toString());
    }
    return out;
  }

  /** The fields write.lua answers with, in its order (values only: each string a Lua script makes costs Redis time). */
  private static final String[] WRITTEN = {"version", "created", "updated", "turns", "tokens", "status", "protocol",
      "agent", "forkedFrom", "tokensIn", "tokensOut", "cacheRead", "cacheWrite", "messageCount", "checkpointCount"};

  private static Map<String, String> writtenFields(Response values) {
    Map<String, String> out = new HashMap<>(WRITTEN.length * 2);
    for (int i = 0; i < WRITTEN.length; i++) out.put(WRITTEN[i], values.get(i).toString());
    return out;
  }

  private static SessionMeta toMeta(SessionKey key, Map<String, String> f) {
    return new SessionMeta(key, emptyToNull(f.get("protocol")),
        Instant.ofEpochMilli(Long.parseLong(f.get("created"))), Instant.ofEpochMilli(Long.parseLong(f.get("updated"))),
        Integer.parseInt(f.getOrDefault("turns", "0")), Long.parseLong(f.getOrDefault("tokens", "0")),
        f.getOrDefault("status", SessionMeta.ACTIVE), emptyToNull(f.get("agent")), Long.parseLong(f.get("version")),
        Integer.parseInt(f.getOrDefault("messageCount", "0")), Integer.parseInt(f.getOrDefault("checkpointCount", "0")),
        emptyToNull(f.get("forkedFrom")),
        new TurnUsage(Long.parseLong(f.getOrDefault("tokensIn", "0")), Long.parseLong(f.getOrDefault("tokensOut", "0")),
            Long.parseLong(f.getOrDefault("cacheRead", "0")), Long.parseLong(f.getOrDefault("cacheWrite", "0"))));
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
