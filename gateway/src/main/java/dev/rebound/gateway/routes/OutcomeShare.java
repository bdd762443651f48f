package dev.rebound.gateway.routes;

import dev.rebound.gateway.redis.ChannelSubscription;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Agents' outcomes and votes heard by every gateway on one Redis: what one gateway measures of an answer (success,
 * times, throughput, cost, recoveries) and every vote on an answer count on the others' {@link OutcomeBoard} too, so
 * a failing agent loses its traffic on every gateway at once. Gathered and published every {@link #FLUSH_MS} ms as one
 * message on {@value #CHANNEL} (a busy gateway sends a few messages a second, not one per request); what is heard is
 * applied, never passed on.
 *
 * <p>Best effort, off the requests' way: recording only adds to a bounded batch (full: the newest are dropped and
 * counted), and a gateway that cannot reach Redis keeps its own view and reconnects with backoff. A gateway that
 * starts later learns from what is measured after it starts.
 */
public final class OutcomeShare implements OutcomeBoard.Learned {
  public static final String CHANNEL = "rb:outcomes";
  static final long FLUSH_MS = 250;
  /** Outcomes and votes one batch holds at most. */
  static final int MAX_BATCH = 5000;

  private final Vertx vertx;
  private final RedisOptions options;
  private final OutcomeBoard board;
  private final String self = UUID.randomUUID().toString();
  /** How this gateway's own messages begin ({@link #flush} writes "from" first). */
  private final String ownPrefix = "{\"from\":\"" + self + "\"";
  /** Guarded by itself: record() is called from every event loop. */
  private List<Object[]> batch = new ArrayList<>();
  private long dropped;
  private Redis publisher;
  private ChannelSubscription listening;
  private long flusher = -1;
  private volatile boolean closed;

  public OutcomeShare(Vertx vertx, String redisUrl, OutcomeBoard board) {
    this.vertx = vertx;
    this.options = new RedisOptions().setConnectionString(redisUrl).setMaxPoolWaiting(1024);
    this.board = board;
  }

  /** Starts listening and sharing; never fails (an unreachable Redis is retried in the background). */
  public void start() {
    publisher = Redis.createClient(vertx, options);
    board.share(this);
    flusher = vertx.setPeriodic(FLUSH_MS, id -> flush());
    listening = new ChannelSubscription(vertx, options, CHANNEL, this::heard, () -> { });
    listening.start();
  }

  public void close() {
    closed = true;
    board.share(null);
    if (flusher != -1) vertx.cancelTimer(flusher);
    flush();
    if (listening != null) listening.close();
    if (publisher != null) publisher.close();
  }

  /** Outcomes and votes this gateway could not pass on because a batch was full. */
  public long dropped() {
    synchronized (this) {
      return dropped;
    }
  }

  @Override
  public void outcome(String agent, String task, OutcomeBoard.Measured m) {
    add(new Object[] {"o", agent, task, m.answered() ? 1 : 0, m.elapsedMs(), m.ttftMs(), m.tokensPerSecond(), m.cost(),
        m.recoveries()});
  }

  @Override
  public void feedback(String agent, String task, double score) {
    add(new Object[] {"f", agent, task, score});
  }

  private synchronized void add(Object[] entry) {
    if (batch.size() >= MAX_BATCH) dropped++;
    else batch.add(entry);
  }

  private void flush() {
    List<Object[]> out;
    synchronized (this) {
      if (batch.isEmpty() || publisher == null) return;
      out = batch;
      batch = new ArrayList<>();
    }
    JsonArray entries = new JsonArray();
    for (Object[] e : out) entries.add(new JsonArray(List.of(e)));
    publisher.send(Request.cmd(Command.PUBLISH).arg(CHANNEL)
            .arg(new JsonObject().put("from", self).put("entries", entries).encode()))
        .onFailure(err -> { /* best effort: the others measure their own answers */ });
  }

  private void heard(String payload) {
    // every gateway hears its own batches back, a few times a second and thousands of entries long under load: they
    // are dropped before they are parsed
    if (payload.startsWith(ownPrefix)) return;
    try {
      JsonObject m = new JsonObject(payload);
      if (self.equals(m.getString("from"))) return;
      for (Object o : m.getJsonArray("entries", new JsonArray())) {
        JsonArray e = (JsonArray) o;
        String agent = e.getString(1);
        String task = e.getString(2);
        if ("o".equals(e.getString(0))) {
          board.heard(agent, task, new OutcomeBoard.Measured(e.getInteger(3) == 1, e.getLong(4), e.getLong(5),
              e.getDouble(6), e.getDouble(7), e.getInteger(8)));
        } else if ("f".equals(e.getString(0))) {
          board.heardFeedback(agent, task, e.getDouble(3));
        }
      }
    } catch (RuntimeException malformed) {
      // a message this gateway cannot read (another version's) is not its to act on
    }
  }
}
