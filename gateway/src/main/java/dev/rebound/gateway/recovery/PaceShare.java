package dev.rebound.gateway.recovery;

import dev.rebound.gateway.failure.RateBudget;
import dev.rebound.store.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * A request budget counted in Redis by every gateway that shares it ({@link Pacing.Shared}): the lane of a backend and
 * model is one hash, {@code rb:pace:<backend>:<model>}, in which every request of every gateway gets its number
 * ({@code handed}); a report ("n left", as of the request numbered s) is reckoned against the requests numbered after
 * s, exactly as one gateway reckons its own in process. A request that goes at once is numbered by {@link #COUNT}
 * without waiting; one that waits for its slot (the lane is low) by {@link #TAKE}, which spaces the slots. A slot not
 * answered within {@link #TAKE_TIMEOUT} is taken locally instead.
 */
final class PaceShare implements Pacing.Shared {
  /** How long a request waits for its shared slot before it counts alone (Redis slow or away). */
  static final Duration TAKE_TIMEOUT = Duration.ofMillis(250);
  private static final long REFILL_MARGIN_MS = 50;
  /** How long a lane's numbering outlives its last request or refill. */
  private static final long KEEP_MS = 600_000;

  /**
   * Numbers a request that goes at once: returns {seq, left (-1: nothing known), limit, refill}. ARGV: now.
   */
  private static final LuaScript COUNT = new LuaScript("""
      local h = redis.call('HMGET', KEYS[1], 'remaining', 'limit', 'refill', 'reportSeq')
      local seq = redis.call('HINCRBY', KEYS[1], 'handed', 1)
      local now = tonumber(ARGV[1])
      if not h[1] or tonumber(h[3]) <= now then
        redis.call('PEXPIRE', KEYS[1], %d)
        return {seq, -1, 0, 0}
      end
      local since = math.min(tonumber(h[4] or '0'), seq - 1)
      return {seq, tonumber(h[1]) - (seq - 1 - since), tonumber(h[2] or '0'), tonumber(h[3])}
      """.formatted(KEEP_MS));

  /**
   * The lane as {@link Pacing}'s Lane.take, on the hash: returns {seq, wait ms, left (-1: nothing known), limit,
   * refill}. ARGV: now, paceBelow, refill margin, then what the caller knows (left, limit, refill, and the number its
   * left is as of; refill 0: nothing).
   */
  private static final LuaScript TAKE = new LuaScript("""
      local h = redis.call('HMGET', KEYS[1], 'remaining', 'limit', 'refill', 'reportSeq', 'nextSlot')
      local seq = redis.call('HINCRBY', KEYS[1], 'handed', 1)
      local now = tonumber(ARGV[1])
      if not h[1] or tonumber(h[3]) <= now then
        if tonumber(ARGV[6]) > now then
          -- a window Redis has no report of, but this gateway has: its report stands until the others' arrive
          local since = tonumber(ARGV[7])
          if since <= 0 then since = seq - 1 end
          h = {ARGV[4], ARGV[5], ARGV[6], tostring(since), '0'}
          redis.call('HSET', KEYS[1], 'remaining', ARGV[4], 'limit', ARGV[5], 'refill', ARGV[6], 'reportSeq', since, 'nextSlot', 0)
        else
          redis.call('PEXPIRE', KEYS[1], %d)
          return {seq, 0, -1, 0, 0}
        end
      end
      local limit = tonumber(h[2] or '0')
      local refill = tonumber(h[3])
      redis.call('PEXPIRE', KEYS[1], math.max(1, refill - now) + %d)
      local left = tonumber(h[1]) - (seq - 1 - math.min(tonumber(h[4] or '0'), seq - 1))
      local threshold = 1
      if limit > 0 then threshold = math.max(1, math.floor(limit * tonumber(ARGV[2]))) end
      if left > threshold then return {seq, 0, left, limit, refill} end
      local slot
      if left <= 0 then
        slot = refill + tonumber(ARGV[3])
      else
        slot = math.max(now, tonumber(h[5] or '0'))
        redis.call('HSET', KEYS[1], 'nextSlot', slot + math.floor((refill - now) / left))
      end
      return {seq, slot - now, left, limit, refill}
      """.formatted(KEEP_MS, KEEP_MS));

  /**
   * A report. One of a new window replaces the lane's reckoning; in the same window a report is taken when it says
   * less is left than the lane reckons, never when it says more: the count may run short of what the backend would
   * allow, never over it. A report whose number is unknown (0) stands as of the newest number in a new window (Redis
   * did not answer the request's count in time: rare), and as of the lane's last report in the same one.
   */
  private static final LuaScript REPORT = new LuaScript("""
      local h = redis.call('HMGET', KEYS[1], 'remaining', 'refill', 'reportSeq', 'handed')
      local seq = tonumber(ARGV[1])
      local remaining = tonumber(ARGV[2])
      local refill = tonumber(ARGV[4])
      local now = tonumber(ARGV[5])
      local tolerance = tonumber(ARGV[6])
      if refill <= now then return 0 end
      local handed = tonumber(h[4] or '0')
      -- a number from before the lane's hash expired and started again
      if seq > handed then seq = 0 end
      local current = h[1] and tonumber(h[1])
      local currentRefill = tonumber(h[2] or '0')
      if (not current) or currentRefill <= now or refill > currentRefill + tolerance then
        local since = handed
        if seq > 0 then since = seq end
        redis.call('HSET', KEYS[1], 'remaining', remaining, 'limit', ARGV[3], 'refill', refill, 'reportSeq', since, 'nextSlot', 0)
      elseif refill < currentRefill - tolerance then
        return 0
      else
        local reportSeq = math.min(tonumber(h[3] or '0'), handed)
        local since = reportSeq
        if seq > 0 then since = seq end
        if remaining - (handed - since) >= current - (handed - reportSeq) then return 0 end
        redis.call('HSET', KEYS[1], 'remaining', remaining, 'reportSeq', since)
      end
      redis.call('PEXPIRE', KEYS[1], math.max(1, refill - now) + %d)
      return 1
      """.formatted(KEEP_MS));

  private final Vertx vertx;
  private final Redis keys;
  private final Consumer<JsonObject> publish;
  private final IntSupplier gateways;

  /**
   * @param keys     a client that reaches every key (a cluster client on a Redis Cluster)
   * @param publish  sends a message to the other gateways
   * @param gateways the gateways alive on this Redis, this one included
   */
  PaceShare(Vertx vertx, Redis keys, Consumer<JsonObject> publish, IntSupplier gateways) {
    this.vertx = vertx;
    this.keys = keys;
    this.publish = publish;
    this.gateways = gateways;
  }

  static String key(String backend, String model) {
    return "rb:pace:" + backend + ":" + model;
  }

  @Override
  public int gateways() {
    return gateways.getAsInt();
  }

  @Override
  public Future<Pacing.Count> count(String backend, String model, Instant now) {
    return COUNT.run(keys::send, List.of(key(backend, model)), List.of(now.toEpochMilli()))
        .map(r -> count(r, Duration.ZERO, null));
  }

  @Override
  public Future<Pacing.Count> take(String backend, String model, Instant now, double paceBelow, Pacing.Known known) {
    // the answer goes on where the request runs (its event loop), not on the Redis connection's
    io.vertx.core.Context context = vertx.getOrCreateContext();
    Promise<Pacing.Count> answer = Promise.promise();
    Promise<Pacing.Count> slot = Promise.promise();
    slot.future().onComplete(ar -> context.runOnContext(v -> answer.handle(ar)));
    long timer = vertx.setTimer(TAKE_TIMEOUT.toMillis(), id -> slot.tryFail("the shared budget did not answer within "
        + TAKE_TIMEOUT.toMillis() + " ms"));
    TAKE.run(keys::send, List.of(key(backend, model)), List.of(now.toEpochMilli(), Double.toString(paceBelow),
        REFILL_MARGIN_MS, known == null ? 0 : known.left(), known == null || known.limit() == null ? 0 : known.limit(),
        known == null ? 0 : known.refill().toEpochMilli(), known == null ? 0 : known.seq())).onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.failed()) {
            slot.tryFail(ar.cause());
            return;
          }
          Response r = ar.result();
          long waitMs = r.get(1).toLong();
          long left = r.get(2).toLong();
          if (waitMs <= 0) {
            slot.tryComplete(count(r, Duration.ZERO, null));
            return;
          }
          String how = left <= 0 ? "none left: it waits for the refill" : "the rest are spread until the refill";
          slot.tryComplete(count(r, Duration.ofMillis(waitMs), "backend '" + backend + "' has " + Math.max(0, left)
              + " requests left for " + model + " between " + gateways() + " gateways; " + how + ", so this request waits "
              + waitMs + " ms"));
        });
    return answer.future();
  }

  /** {seq, [wait,] left, limit, refill} as a Count (COUNT's answer has no wait). */
  private static Pacing.Count count(Response r, Duration wait, String why) {
    int at = r.size() == 5 ? 2 : 1;
    long limit = r.get(at + 1).toLong();
    long refill = r.get(at + 2).toLong();
    return new Pacing.Count(r.get(0).toLong(), r.get(at).toLong(), limit > 0 ? limit : null,
        refill > 0 ? Instant.ofEpochMilli(refill) : null, wait, why);
  }

  @Override
  public void reported(String backend, String model, long seq, RateBudget.Limit requests, Instant now) {
    REPORT.run(keys::send, List.of(key(backend, model)), List.of(seq, requests.remaining(),
        requests.limit() == null ? 0 : requests.limit(), requests.resetsAt().toEpochMilli(), now.toEpochMilli(),
        Pacing.SAME_WINDOW_MS)).onFailure(err -> { /* best effort: the next report says it again */ });
  }

  @Override
  public void lowered(String backend, String model, Instant until) {
    publish.accept(new JsonObject().put("what", "lowered").put("backend", backend).put("model", model)
        .put("until", until.toEpochMilli()));
  }
}
