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
 * A request budget counted in Redis by every gateway that shares it ({@link Pacing.Shared}). A lane (backend, model) is
 * a hash, {@code rb:pace:{<backend>:<model>}}, with the best reckoning so far, and a sorted set beside it
 * ({@code ...:sent}) of every request any gateway sent, numbered ({@code handed}) and scored by when it went (a paced
 * one: when its slot is), kept for {@link #HORIZON_MS} and at most about {@link #MAX_SENT} of them. A report ("n left",
 * from the answer to the request numbered s) is reckoned against the requests that may reach the backend after s:
 * every one sent after s went, and every one sent up to {@link #REORDER_MARGIN_MS} before it, for a request that went
 * first on one gateway may arrive after one that went a moment later on another. So every reckoning may fall short of
 * what the backend would allow but never exceeds it, and of two reports of a window the one that reckons more left is
 * the truer. A request that goes at once is numbered by {@link #COUNT} without waiting; one that waits for its slot
 * (the lane is low) by {@link #TAKE}, which spaces the slots. A slot not answered within {@link #TAKE_TIMEOUT} is taken
 * locally instead. Times are the gateways' clocks, which must agree to well within the margin.
 */
final class PaceShare implements Pacing.Shared {
  /** How long a request waits for its shared slot before it counts alone (Redis slow or away). */
  static final Duration TAKE_TIMEOUT = Duration.ofMillis(250);
  private static final long REFILL_MARGIN_MS = 50;
  /**
   * A request sent this long before the reported one may still reach the backend after it (another gateway, another
   * connection, a pause between numbering and sending): it counts as unseen by the report.
   */
  static final long REORDER_MARGIN_MS = 100;
  /** How long sent requests are kept: a report of a request sent longer ago than this is not reckoned. */
  static final long HORIZON_MS = 60_000;
  /**
   * At most about this many sent requests are kept per lane (a tenth more before the oldest are dropped): a Redis
   * entry each. Busier than this over {@link #HORIZON_MS}, reports of requests sent before the oldest kept are not
   * reckoned.
   */
  static final int MAX_SENT = 100_000;
  /** How long a lane outlives its last request or refill. */
  private static final long KEEP_MS = 600_000;

  /**
   * What the three scripts share; the last ARGV is how many sent requests to keep. KEYS: the lane's hash and its sent
   * requests. {@code lane()}: the hash's fields (h). {@code unseen(at, seq)}: how many requests went at or after
   * {@code at}, the one numbered {@code seq} not included. {@code complete(h, at, now)}: whether every request sent at
   * or after {@code at} is still kept. {@code reckoned(h, now)}: what is left now by the lane's reckoning, nil when it
   * has none that is current. {@code keep}: the keys' expiry, and, when asked (every 16th request: each call costs
   * Redis time on every request), drops the requests past the horizon or the cap.
   */
  private static final String LANE = """
      local maxSent = tonumber(ARGV[#ARGV])
      local function lane()
        return redis.call('HMGET', KEYS[1], 'remaining', 'limit', 'refill', 'reportAt', 'reportSeq', 'nextSlot', 'floor')
      end
      local function unseen(at, seq)
        local n = redis.call('ZCOUNT', KEYS[2], at, '+inf')
        local s = redis.call('ZSCORE', KEYS[2], seq)
        if s and tonumber(s) >= at then n = n - 1 end
        return n
      end
      local function complete(h, at, now)
        return at >= now - %d and (not h[7] or at >= tonumber(h[7]))
      end
      local function reckoned(h, now)
        if not h[1] or tonumber(h[3]) <= now or not complete(h, tonumber(h[4]), now) then return nil end
        return tonumber(h[1]) - unseen(tonumber(h[4]), h[5])
      end
      local function keep(now, refill, trim)
        if trim then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - %d))
          local over = redis.call('ZCARD', KEYS[2]) - maxSent
          if over > maxSent / 10 then
            -- the oldest go, in steps rather than one a request; reckonings from before the newest of them are void
            local last = redis.call('ZRANGE', KEYS[2], over - 1, over - 1, 'WITHSCORES')
            redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
            redis.call('HSET', KEYS[1], 'floor', tonumber(last[2]) + 1)
          end
        end
        local ms = math.max(1, refill - now) + %d
        redis.call('PEXPIRE', KEYS[1], ms)
        redis.call('PEXPIRE', KEYS[2], ms)
      end
      """.formatted(HORIZON_MS, HORIZON_MS, KEEP_MS);

  /** Numbers a request that goes at once: returns {seq, left (-1: nothing known), limit, refill}. ARGV: now, max. */
  private static final LuaScript COUNT = new LuaScript(LANE + """
      local now = tonumber(ARGV[1])
      local h = lane()
      local seq = redis.call('HINCRBY', KEYS[1], 'handed', 1)
      local left = reckoned(h, now)
      redis.call('ZADD', KEYS[2], now, seq)
      if not left then
        keep(now, now, seq % 16 == 0)
        return {seq, -1, 0, 0}
      end
      keep(now, tonumber(h[3]), seq % 16 == 0)
      return {seq, left, tonumber(h[2] or '0'), tonumber(h[3])}
      """);

  /**
   * The lane as {@link Pacing}'s Lane.take, on the hash: returns {seq, wait ms, left (-1: nothing known), limit,
   * refill}. ARGV: now, paceBelow, refill margin, then what the caller knows (left, limit, refill, and the number of
   * the request it was told with, 0 when unknown and left has the caller's own requests since taken off; refill 0:
   * nothing), maxSent.
   */
  private static final LuaScript TAKE = new LuaScript(LANE + """
      local now = tonumber(ARGV[1])
      local h = lane()
      local seq = redis.call('HINCRBY', KEYS[1], 'handed', 1)
      local left = reckoned(h, now)
      if not left then
        if tonumber(ARGV[6]) <= now then
          redis.call('ZADD', KEYS[2], now, seq)
          keep(now, now, seq %% 16 == 0)
          return {seq, 0, -1, 0, 0}
        end
        -- a window Redis has no report of, but this gateway has: it stands until a report arrives. Of a known request,
        -- reckoned as a report is; else as of now, and any report replaces it (reportSeq 0)
        local at = now
        local sent = redis.call('ZSCORE', KEYS[2], ARGV[7])
        if sent then at = tonumber(sent) - %d end
        local reportSeq = sent and ARGV[7] or '0'
        h = {ARGV[4], ARGV[5], ARGV[6], tostring(at), reportSeq, '0', h[7]}
        redis.call('HSET', KEYS[1], 'remaining', ARGV[4], 'limit', ARGV[5], 'refill', ARGV[6], 'reportAt', at,
          'reportSeq', reportSeq, 'nextSlot', 0)
        left = tonumber(ARGV[4]) - unseen(at, reportSeq)
      end
      local limit = tonumber(h[2] or '0')
      local refill = tonumber(h[3])
      local threshold = 1
      if limit > 0 then threshold = math.max(1, math.floor(limit * tonumber(ARGV[2]))) end
      local slot = now
      if left <= 0 then
        slot = refill + tonumber(ARGV[3])
      elseif left <= threshold then
        slot = math.max(now, tonumber(h[6] or '0'))
        redis.call('HSET', KEYS[1], 'nextSlot', slot + math.floor((refill - now) / left))
      end
      redis.call('ZADD', KEYS[2], slot, seq)
      keep(now, refill, seq %% 16 == 0)
      return {seq, slot - now, left, limit, refill}
      """.formatted(REORDER_MARGIN_MS));

  /**
   * A report (ARGV: seq, remaining, limit, refill, now, same-window tolerance, maxSent). One of a new window replaces
   * the lane's reckoning; in the same window it replaces it when it reckons at least as much left (each reckoning may
   * fall short, none exceeds what the backend allows), or when the lane has only a gateway's own word (reportSeq 0). A
   * report of a request Redis did not number, or that went longer ago than the sent requests are kept, is not reckoned.
   */
  private static final LuaScript REPORT = new LuaScript(LANE + """
      local now = tonumber(ARGV[5])
      local refill = tonumber(ARGV[4])
      local tolerance = tonumber(ARGV[6])
      if refill <= now then return 0 end
      local sent = redis.call('ZSCORE', KEYS[2], ARGV[1])
      if not sent then return 0 end
      local at = tonumber(sent) - %d
      local h = lane()
      if not complete(h, at, now) then return 0 end
      local left = tonumber(ARGV[2]) - unseen(at, ARGV[1])
      local current = reckoned(h, now)
      if current then
        local currentRefill = tonumber(h[3])
        if refill < currentRefill - tolerance then return 0 end
        local sameWindow = refill <= currentRefill + tolerance
        if sameWindow and h[5] ~= '0' and left < current then return 0 end
        if sameWindow then
          redis.call('HSET', KEYS[1], 'remaining', ARGV[2], 'reportAt', at, 'reportSeq', ARGV[1])
          keep(now, currentRefill, false)
          return 1
        end
      end
      redis.call('HSET', KEYS[1], 'remaining', ARGV[2], 'limit', ARGV[3], 'refill', refill, 'reportAt', at,
        'reportSeq', ARGV[1], 'nextSlot', 0)
      keep(now, refill, false)
      return 1
      """.formatted(REORDER_MARGIN_MS));

  private final Vertx vertx;
  private final Redis keys;
  private final Consumer<JsonObject> publish;
  private final IntSupplier gateways;
  private final int maxSent;

  /**
   * @param keys     a client that reaches every key (a cluster client on a Redis Cluster)
   * @param publish  sends a message to the other gateways
   * @param gateways the gateways alive on this Redis, this one included
   */
  PaceShare(Vertx vertx, Redis keys, Consumer<JsonObject> publish, IntSupplier gateways) {
    this(vertx, keys, publish, gateways, MAX_SENT);
  }

  /** @param maxSent about how many sent requests a lane keeps ({@link #MAX_SENT}) */
  PaceShare(Vertx vertx, Redis keys, Consumer<JsonObject> publish, IntSupplier gateways, int maxSent) {
    this.vertx = vertx;
    this.keys = keys;
    this.publish = publish;
    this.gateways = gateways;
    this.maxSent = maxSent;
  }

  /** The lane's hash and its sent requests, in one cluster slot (the hash tag). */
  static List<String> keys(String backend, String model) {
    String lane = "rb:pace:{" + backend + ":" + model + "}";
    return List.of(lane, lane + ":sent");
  }

  @Override
  public int gateways() {
    return gateways.getAsInt();
  }

  @Override
  public Future<Pacing.Count> count(String backend, String model, Instant now) {
    return COUNT.run(keys::send, keys(backend, model), List.of(now.toEpochMilli(), maxSent))
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
    TAKE.run(keys::send, keys(backend, model), List.of(now.toEpochMilli(), Double.toString(paceBelow),
        REFILL_MARGIN_MS, known == null ? 0 : known.left(), known == null || known.limit() == null ? 0 : known.limit(),
        known == null ? 0 : known.refill().toEpochMilli(), known == null ? 0 : known.seq(), maxSent)).onComplete(ar -> {
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
    report(backend, model, seq, requests, now).onFailure(err -> { /* best effort: the next report says it again */ });
  }

  /** A report; answers whether the lane's reckoning took it. */
  Future<Boolean> report(String backend, String model, long seq, RateBudget.Limit requests, Instant now) {
    return REPORT.run(keys::send, keys(backend, model), List.of(seq, requests.remaining(),
        requests.limit() == null ? 0 : requests.limit(), requests.resetsAt().toEpochMilli(), now.toEpochMilli(),
        Pacing.SAME_WINDOW_MS, maxSent)).map(r -> r.toInteger() == 1);
  }

  @Override
  public void lowered(String backend, String model, Instant until) {
    publish.accept(new JsonObject().put("what", "lowered").put("backend", backend).put("model", model)
        .put("until", until.toEpochMilli()));
  }
}
