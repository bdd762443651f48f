package dev.rebound.store;

import dev.rebound.store.RedisScripts.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@link ResponseJobStore} on Redis, shared by every gateway on it. Layout: {@code rb:{<queue>}:job:<id>} hash (the
 * job's fields), {@code :ev:<id>} list (stream events), {@code :notes:<id>} list (decisions, capped), {@code :due}
 * sorted set (score = when the job may be claimed: its notBefore while queued, its lease's end while running) and
 * {@code :all} sorted set (score = creation, for listing). Every key carries the {@code {<queue>}} hash tag: in a
 * cluster they share one slot, so each operation is one Lua script (claim, a run's write, cancel), atomic across
 * gateways; the cost is that all background jobs live on one node. Times come from the injected clock (the lease
 * check compares them), so gateways sharing a Redis need clocks in step to well under a lease.
 * Finished jobs expire after {@code keepFinished}.
 */
public final class RedisResponseJobStore implements ResponseJobStore {
  /** The queue gateways share unless told otherwise. */
  public static final String DEFAULT_QUEUE = "rjobs";
  private static final Pattern UNAVAILABLE_REPLY = Pattern.compile("(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|BUSY)\\b");

  private final RedisLink redis;
  private final RedisScripts scripts;
  private final Clock clock;
  private final Duration keepFinished;
  private final String prefix;
  private final String due;
  private final String all;

  /** @param queue names the queue (the hash tag of its keys): gateways on one Redis share the jobs of one queue */
  public RedisResponseJobStore(Vertx vertx, RedisStoreOptions options, String queue, Duration keepFinished, Clock clock) {
    if (!queue.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("the queue name must be 1 to 64 letters, digits, '.', '_' or '-', but was '" + queue + "'");
    }
    this.prefix = "rb:{" + queue + "}:";
    this.due = prefix + "due";
    this.all = prefix + "all";
    this.redis = new RedisLink(vertx, options.redisOptions(), options.timeout().toMillis());
    this.scripts = new RedisScripts(this::send);
    this.clock = clock;
    this.keepFinished = keepFinished;
  }

  private String job(String id) {
    return prefix + "job:" + id;
  }

  private List<String> keys(String id) {
    return List.of(job(id), prefix + "ev:" + id, prefix + "notes:" + id, due);
  }

  @Override
  public Future<ResponseJob> enqueue(ResponseJob j) {
    List<Object> args = new ArrayList<>(List.of(j.id(), millis(j.notBefore() != null ? j.notBefore() : j.createdAt()),
        j.createdAt().toEpochMilli()));
    fields(j).forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    return scripts.run(Script.JOB_ENQUEUE, List.of(job(j.id()), due, all), args)
        .recover(err -> Future.failedFuture(err instanceof Response && String.valueOf(err.getMessage()).startsWith("EXISTS")
            ? new IllegalArgumentException("a job with id " + j.id() + " exists") : err))
        .map(RedisResponseJobStore::toJob);
  }

  @Override
  public Future<ResponseJob> get(String tenant, String id) {
    return send(Request.cmd(Command.HGETALL).arg(job(id))).map(r -> {
      ResponseJob j = toJob(r);
      return j == null || !j.tenant().equals(tenant) ? null : j;
    });
  }

  @Override
  public Future<ResponseJob> find(String id) {
    return send(Request.cmd(Command.HGETALL).arg(job(id))).map(RedisResponseJobStore::toJob);
  }

  @Override
  public Future<ResponseJob> claim(String owner, Duration lease) {
    return scripts.run(Script.JOB_CLAIM, List.of(due), List.of(clock.millis(), owner, lease.toMillis(), prefix + "job:"))
        .map(RedisResponseJobStore::toJob);
  }

  @Override
  public Future<ResponseJob> record(String id, String owner, Duration lease, JobProgress progress) {
    return progress(id, owner, "record", lease.toMillis(), progress);
  }

  @Override
  public Future<ResponseJob> finish(String id, String owner, String status, JobProgress progress) {
    if (!ResponseJob.TERMINAL.contains(status)) {
      return Future.failedFuture(new IllegalArgumentException("a job finishes in a terminal status, not " + status));
    }
    return progress(id, owner, "finish", status, progress);
  }

  @Override
  public Future<ResponseJob> release(String id, String owner, Instant notBefore, JobProgress progress) {
    return progress(id, owner, "release", notBefore.toEpochMilli(), progress);
  }

  private Future<ResponseJob> progress(String id, String owner, String mode, Object arg, JobProgress p) {
    List<Object> args = new ArrayList<>(List.of(id, mode, owner, clock.millis(), arg,
        p.response() == null ? "" : p.response(), p.attempts(), p.reason() == null ? "" : p.reason(),
        keepFinished.toMillis(), p.sessionId() == null ? "" : p.sessionId(), p.events().size()));
    args.addAll(p.events());
    args.addAll(p.notes());
    return scripts.run(Script.JOB_PROGRESS, keys(id), args).compose(r -> {
      if ("lost".equals(r.get(0).toString())) {
        String status = r.get(1).toString();
        return Future.failedFuture(new LeaseLostException(id, owner, status.isEmpty() ? null : status));
      }
      return Future.succeededFuture(toJob(r.get(1)));
    });
  }

  @Override
  public Future<ResponseJob> cancel(String tenant, String id, String reason) {
    return scripts.run(Script.JOB_CANCEL, keys(id), List.of(id, tenant, reason, keepFinished.toMillis()))
        .map(RedisResponseJobStore::toJob);
  }

  @Override
  public Future<Boolean> delete(String tenant, String id) {
    return scripts.run(Script.JOB_DELETE, List.of(job(id), prefix + "ev:" + id, prefix + "notes:" + id, due, all),
        List.of(id, tenant)).map(r -> r != null && r.toInteger() == 1);
  }

  @Override
  public Future<List<String>> events(String id, int from) {
    return send(Request.cmd(Command.LRANGE).arg(prefix + "ev:" + id).arg(Math.max(0, from)).arg(-1)).map(RedisResponseJobStore::strings);
  }

  @Override
  public Future<List<String>> notes(String id) {
    return send(Request.cmd(Command.LRANGE).arg(prefix + "notes:" + id).arg(0).arg(-1)).map(RedisResponseJobStore::strings);
  }

  @Override
  public Future<List<ResponseJob>> list(int limit) {
    if (limit <= 0) return Future.succeededFuture(List.of());
    return send(Request.cmd(Command.ZREVRANGE).arg(all).arg(0).arg(limit - 1)).compose(ids -> {
      List<Future<Response>> reads = new ArrayList<>();
      for (Response id : ids) reads.add(send(Request.cmd(Command.HGETALL).arg(job(id.toString()))));
      return Future.all(reads).map(done -> {
        List<ResponseJob> out = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
          ResponseJob j = toJob(reads.get(i).result());
          // an expired job's place in the listing is dropped when it is met
          if (j == null) send(Request.cmd(Command.ZREM).arg(all).arg(ids.get(i).toString()));
          else out.add(j);
        }
        return out;
      });
    });
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }

  private Future<Response> send(Request request) {
    return redis.send(request).recover(failure -> {
      if (failure instanceof Response) {
        String message = failure.getMessage();
        if (message != null && UNAVAILABLE_REPLY.matcher(message).lookingAt()) {
          return Future.failedFuture(new StoreUnavailableException("redis cannot serve", failure));
        }
        return Future.failedFuture(failure);
      }
      return Future.failedFuture(new StoreUnavailableException("redis unreachable", failure));
    });
  }

  private static Map<String, String> fields(ResponseJob j) {
    Map<String, String> f = new HashMap<>();
    f.put("id", j.id());
    f.put("tenant", j.tenant());
    f.put("status", j.status());
    f.put("request", j.request());
    f.put("headers", j.headers());
    f.put("session", orEmpty(j.sessionId()));
    f.put("created", String.valueOf(j.createdAt().toEpochMilli()));
    f.put("deadline", String.valueOf(j.deadline().toEpochMilli()));
    f.put("owner", orEmpty(j.owner()));
    f.put("lease", j.leaseUntil() == null ? "" : String.valueOf(j.leaseUntil().toEpochMilli()));
    f.put("notBefore", j.notBefore() == null ? "" : String.valueOf(j.notBefore().toEpochMilli()));
    f.put("runs", String.valueOf(j.runs()));
    f.put("attempts", String.valueOf(j.attempts()));
    f.put("response", orEmpty(j.response()));
    f.put("events", String.valueOf(j.events()));
    f.put("reason", orEmpty(j.reason()));
    return f;
  }

  /** A hash reply (RESP3 map, or a flat array) as a job; null when the hash is empty or the reply null. */
  private static ResponseJob toJob(Response r) {
    if (r == null) return null;
    Map<String, String> f = new HashMap<>();
    if (r.isMap()) {
      for (String k : r.getKeys()) f.put(k, r.get(k).toString());
    } else {
      for (int i = 0; i + 1 < r.size(); i += 2) f.put(r.get(i).toString(), r.get(i + 1).toString());
    }
    if (f.isEmpty() || !f.containsKey("status")) return null;
    return new ResponseJob(f.get("id"), f.get("tenant"), f.get("status"), f.get("request"),
        f.get("headers"), emptyToNull(f.get("session")), instant(f.get("created")), instant(f.get("deadline")),
        emptyToNull(f.get("owner")), instant(f.get("lease")), instant(f.get("notBefore")), integer(f.get("runs")),
        integer(f.get("attempts")), emptyToNull(f.get("response")), integer(f.get("events")), emptyToNull(f.get("reason")));
  }

  private static List<String> strings(Response r) {
    List<String> out = new ArrayList<>();
    if (r != null) for (Response item : r) out.add(item.toString());
    return out;
  }

  private static long millis(Instant i) {
    return i.toEpochMilli();
  }

  private static Instant instant(String s) {
    return s == null || s.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(s));
  }

  private static int integer(String s) {
    return s == null || s.isEmpty() ? 0 : Integer.parseInt(s);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
