package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static dev.rebound.store.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract against a real redis-server, plus what only Redis has: key TTLs, the binary layout, scripts. */
class RedisCheckpointStoreTest extends CheckpointStoreContract {

  private Redis raw;

  @BeforeEach
  void connectRaw() {
    raw = Redis.createClient(vertx, RedisServerFixture.sharedUrl());
  }

  @AfterEach
  void closeRaw() {
    await(raw.close());
  }

  @Override
  protected Future<? extends CheckpointStore> newStore(Vertx vertx, Clock clock, Duration ttl, int maxEvents) {
    RedisStoreOptions options = RedisStoreOptions.of(RedisServerFixture.sharedUrl())
        .withTtl(ttl).withMaxEvents(maxEvents);
    return Future.succeededFuture(new RedisCheckpointStore(vertx, options, clock));
  }

  /** Shortens the remaining TTL of every key of the session, as if the time had passed (PEXPIRE <= 0 deletes). */
  @Override
  protected void age(SessionKey key, Duration by) {
    for (String k : RedisKeys.of(key).session()) {
      long remaining = send(Request.cmd(Command.PTTL).arg(k)).toLong();
      if (remaining > 0) send(Request.cmd(Command.PEXPIRE).arg(k).arg(remaining - by.toMillis()));
    }
    clock.advance(by);
  }

  private Response send(Request request) {
    return await(raw.send(request));
  }

  @Test
  void putsTheTtlOnEveryKeyOfTheSessionAndOnTheTenantIndex() {
    CheckpointStore shortLived = open(Duration.ofSeconds(2), 1000);
    SessionKey key = key("ttl");
    await(shortLived.append(key, Append.of(0, user("q")).withCheckpoint(auto("[]"))));
    await(shortLived.appendEvent(key, "checkpoint", null, null));

    RedisKeys keys = RedisKeys.of(key);
    for (String k : List.of(keys.meta(), keys.msgs(), keys.cps(), keys.events(), keys.index())) {
      long pttl = send(Request.cmd(Command.PTTL).arg(k)).toLong();
      assertTrue(pttl > 1000 && pttl <= 2000, k + " has PTTL " + pttl);
    }
    // a real expiry, not a simulated one: gone within the TTL (polled, no long sleep)
    // every key: the event stream got its TTL a few milliseconds after the meta did, so it may outlive it by as much
    until(Duration.ofSeconds(5), "session expired in Redis", () -> await(shortLived.meta(key)) == null
        && send(Request.cmd(Command.EXISTS).arg(keys.msgs()).arg(keys.cps()).arg(keys.events())).toLong() == 0L);
  }

  @Test
  void renewsTheSessionsTtlOnceATenthOfItHasPassedAndGivesAKeyItCreatesItsTtlAtOnce() {
    CheckpointStore store = open(Duration.ofSeconds(100), 1000);
    SessionKey key = key("renew");
    SessionMeta first = await(store.append(key, Append.of(0, user("q")).withCheckpoint(auto("[]"))));
    RedisKeys keys = RedisKeys.of(key);

    age(key, Duration.ofSeconds(5)); // under a tenth: the next write leaves the TTLs as they are
    SessionMeta second = await(store.append(key, Append.of(first.version(), assistant("a"))));
    await(store.appendEvent(key, "checkpoint", null, null)); // the stream is new: its TTL is set at once
    for (String k : List.of(keys.meta(), keys.msgs(), keys.cps())) {
      long pttl = send(Request.cmd(Command.PTTL).arg(k)).toLong();
      assertTrue(pttl > 90_000 && pttl <= 95_000, k + " kept its TTL: PTTL " + pttl);
    }
    long events = send(Request.cmd(Command.PTTL).arg(keys.events())).toLong();
    assertTrue(events > 95_000 && events <= 100_000, "the new stream has a TTL of its own: PTTL " + events);

    age(key, Duration.ofSeconds(6)); // a tenth has passed since they were set: renewed, every key
    await(store.append(key, Append.of(second.version(), user("q2")).withCheckpoint(auto("[]"))));
    for (String k : List.of(keys.meta(), keys.msgs(), keys.cps(), keys.events())) {
      long pttl = send(Request.cmd(Command.PTTL).arg(k)).toLong();
      assertTrue(pttl > 99_000 && pttl <= 100_000, k + " was renewed: PTTL " + pttl);
    }
    SessionMeta meta = await(store.meta(key));
    assertEquals(3, meta.messageCount());
    assertEquals(2, meta.checkpointCount());
    // written in part, read whole: what the later writes left alone is still the first one's
    assertEquals(first.created(), meta.created());
    assertEquals(SessionMeta.ACTIVE, meta.status());
    assertEquals(3, meta.version());
  }

  @Test
  void movesASessionInTheListingAtMostOnceASecondButAlwaysOnCreation() {
    SessionKey key = key("busy");
    String index = RedisKeys.of(key).index();
    SessionMeta v = await(store.append(key, Append.of(0, user("q"))));
    long created = clock.millis();
    assertEquals(created, send(Request.cmd(Command.ZSCORE).arg(index).arg(key.id())).toLong(), "placed on creation");

    clock.advance(Duration.ofMillis(400));
    v = await(store.append(key, Append.of(v.version(), assistant("a"))));
    assertEquals(created, send(Request.cmd(Command.ZSCORE).arg(index).arg(key.id())).toLong(),
        "the turn's second write, 400 ms later, keeps the place");
    assertEquals(clock.millis(), v.updated().toEpochMilli(), "the session itself is updated");

    clock.advance(Duration.ofMillis(700));
    await(store.append(key, Append.of(v.version(), user("next"))));
    assertEquals(clock.millis(), send(Request.cmd(Command.ZSCORE).arg(index).arg(key.id())).toLong(),
        "more than a second after the last move: moved");
  }

  @Test
  void aSessionStoredBeforeUsageWasKeptReadsAsNoneAndSumsFromThere() {
    SessionKey key = key("old-usage");
    SessionMeta v = await(store.append(key, Append.of(0, user("q1"), assistant("a1"))
        .withMeta(new MetaChange("openai", "coder", null, 1, 0))));
    // the meta hash as the store wrote it before it kept usage
    send(Request.cmd(Command.HDEL).arg(RedisKeys.of(key).meta()).arg("tokensIn").arg("tokensOut").arg("cacheRead")
        .arg("cacheWrite"));
    assertEquals(TurnUsage.NONE, await(store.meta(key)).usage());

    TurnUsage reported = new TurnUsage(12, 3, 0, 0);
    SessionMeta next = await(store.append(key, Append.of(v.version(), user("q2"), assistant("a2").withUsage(reported))
        .withMeta(MetaChange.answered(null, null, null, 1, reported))));
    assertEquals(reported, next.usage());
    assertEquals(15, next.tokens());
  }

  @Test
  void keepsASessionInOneClusterSlotThroughItsHashTag() {
    RedisKeys keys = RedisKeys.of(key("a:b.c"));
    String tag = "{" + tenant + ":a:b.c}";
    for (String k : keys.session()) assertTrue(k.startsWith("rb:" + tag + ":"), k);
    assertEquals("rb:idx:" + tenant, keys.index());
  }

  @Test
  void storesLargeMessagesGzippedBehindAOneByteMarker() {
    SessionKey key = key("gz");
    String big = "{\"role\":\"tool\",\"content\":\"" + "abcdefgh".repeat(12_800) + "\"}"; // ~100 KB
    await(store.append(key, Append.of(0, NewMessage.of("user", "{\"content\":\"small\"}"),
        NewMessage.partial("tool", big))));

    byte[] small = send(Request.cmd(Command.LINDEX).arg(RedisKeys.of(key).msgs()).arg(0)).toBytes();
    byte[] large = send(Request.cmd(Command.LINDEX).arg(RedisKeys.of(key).msgs()).arg(1)).toBytes();
    assertEquals(0, small[0], "small: plain JSON");
    assertEquals(MessageCodec.GZIP | MessageCodec.PARTIAL, large[0], "large: gzip + partial bits");
    assertTrue(large.length < 10_000, "compressed to " + large.length + " bytes");
    assertEquals(big, await(store.messages(key, 1, 2)).get(0).json());
  }

  @Test
  void writesAWriteOfEventsAsOneStreamEntryWhoseIdCountsTheSessionsEvents() {
    SessionKey key = key("one-entry");
    List<String> ids = await(store.appendEvents(key, List.of(new NewEvent(null, "route", "best match", null),
        new NewEvent(null, "retry", "429", "{\"attempt\":1}"), new NewEvent(null, "answered", null, null))));
    List<String> more = await(store.appendEvents(key, List.of(new NewEvent(null, "checkpoint", null, null))));

    Response entries = send(Request.cmd(Command.XRANGE).arg(RedisKeys.of(key).events()).arg("-").arg("+"));
    assertEquals(2, entries.size(), "one entry per write, not per event");
    String base = Long.toString(clock.millis());
    assertEquals(List.of(base + "-1", base + "-2", base + "-3"), ids);
    assertEquals(List.of(base + "-4"), more);
    assertEquals(base + "-3", entries.get(0).get(0).toString(), "an entry's id is its last event's");
    assertEquals(List.of("route", "retry", "answered", "checkpoint"),
        await(store.events(key, null, 10)).stream().map(SessionEvent::type).toList());
  }

  @Test
  void readsASessionsEventsKeptOneEntryPerEventByEarlierVersionsBeforeItsNewOnesAndKeepsThemWithTheSession() {
    CheckpointStore store = open(Duration.ofHours(1), 1000);
    SessionKey key = key("upgraded");
    RedisKeys keys = RedisKeys.of(key);
    await(store.append(key, Append.of(0, user("q")).withCheckpoint(auto("[]"))));
    // as the build before wrote them: XADD per event, fields at, type, reason?, json?, the server's time as id
    List<String> old = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Request xadd = Request.cmd(Command.XADD).arg(keys.oldEvents()).arg("MAXLEN").arg(1000).arg("*")
          .arg("at").arg(clock.millis()).arg("type").arg("retry").arg("reason").arg("attempt " + i);
      if (i == 2) xadd.arg("json").arg("{\"attempt\":2}");
      old.add(send(xadd).toString());
    }
    send(Request.cmd(Command.PEXPIRE).arg(keys.oldEvents()).arg(3_600_000));

    List<String> ids = await(store.appendEvents(key, List.of(new NewEvent(null, "route", "r1", null),
        new NewEvent(null, "answered", null, null))));
    long oldMillis = Long.parseLong(old.get(2).substring(0, old.get(2).indexOf('-')));
    assertTrue(Long.parseLong(ids.get(0).substring(0, ids.get(0).indexOf('-'))) > oldMillis,
        "the new stream's ids follow the old stream's, whatever the clock says: " + ids + " after " + old);

    List<SessionEvent> all = await(store.events(key, null, 100));
    List<String> expected = new ArrayList<>(old);
    expected.addAll(ids);
    assertEquals(expected, all.stream().map(SessionEvent::id).toList(), "the old events first, then the new");
    assertEquals("{\"attempt\":2}", all.get(1).json());
    assertEquals("attempt 3", all.get(2).reason());
    assertEquals(expected.subList(2, 4), await(store.events(key, old.get(1), 2)).stream().map(SessionEvent::id).toList(),
        "a page across the two streams");
    assertEquals(expected.subList(4, 5), await(store.events(key, ids.get(0), 10)).stream().map(SessionEvent::id).toList());

    age(key, Duration.ofMinutes(10)); // a tenth of the hour: the session's next write renews every key, the old one's too
    await(store.appendEvent(key, "checkpoint", null, null));
    long pttl = send(Request.cmd(Command.PTTL).arg(keys.oldEvents())).toLong();
    assertTrue(pttl > 3_590_000, "the old stream lives as long as its session: PTTL " + pttl);
    assertTrue(await(store.delete(key)));
    assertEquals(0L, send(Request.cmd(Command.EXISTS).arg(keys.events()).arg(keys.oldEvents())).toLong());
  }

  @Test
  void aSessionMadeAgainAfterItWasDeletedGivesIdsAfterItsEarlierOnes() {
    SessionKey key = key("again");
    String before = await(store.appendEvent(key, "route", "first life", null));
    await(store.delete(key));
    clock.advance(Duration.ofMillis(5));
    String after = await(store.appendEvent(key, "route", "second life", null));
    assertTrue(Long.parseLong(after.substring(0, after.indexOf('-')))
        > Long.parseLong(before.substring(0, before.indexOf('-'))), before + " then " + after);
    assertEquals(List.of("second life"), await(store.events(key, before, 10)).stream().map(SessionEvent::reason)
        .toList(), "a reader's cursor from the first life reads the second from its start");
  }

  @Test
  void reloadsItsScriptsAfterTheServerForgetsThem() {
    SessionKey key = key("noscript");
    await(store.append(key, Append.of(0, user("before"))));
    send(Request.cmd(Command.SCRIPT).arg("FLUSH"));
    SessionMeta after = await(store.append(key, Append.of(1, user("after"))));
    assertEquals(2, after.version());
  }

  @Test
  void answersEveryCallerOnItsOwnContextWhetherOrNotItRunsOnTheConnectionsThread() {
    RedisCheckpointStore fresh = new RedisCheckpointStore(vertx, RedisStoreOptions.of(RedisServerFixture.sharedUrl()));
    try {
      // the first command opens the connection on its caller's context: the gateway's event loop, as in the gateway
      ContextInternal owner = (ContextInternal) vertx.getOrCreateContext();
      await(onContext(owner, () -> fresh.ping()));
      SessionKey key = key("contexts");
      await(onContext(owner, () -> fresh.append(key, Append.of(0, user("one")))));

      // a request's duplicated context on that thread is answered at once, on itself; another event loop on its own
      ContextInternal request = owner.duplicate();
      ContextInternal elsewhere = (ContextInternal) vertx.getOrCreateContext();
      for (ContextInternal caller : List.of(owner, request, elsewhere)) {
        List<Integer> order = new ArrayList<>();
        Promise<Context> answeredOn = Promise.promise();
        caller.runOnContext(v -> {
          fresh.meta(key).onComplete(ar -> order.add(1));
          fresh.meta(key).onComplete(ar -> {
            order.add(2);
            answeredOn.complete(Vertx.currentContext());
          });
        });
        assertEquals(caller, await(answeredOn.future()));
        assertEquals(List.of(1, 2), order, "answers in the order the commands were sent");
      }
    } finally {
      await(fresh.close());
    }
  }

  private static <T> Future<T> onContext(Context context, java.util.function.Supplier<Future<T>> call) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(result));
    return result.future();
  }

  @Test
  void failsFastAndStartsWithoutHangingWhenRedisIsDown() {
    int closedPort = RedisServerFixture.freePort();
    RedisCheckpointStore down = new RedisCheckpointStore(vertx,
        RedisStoreOptions.of("redis://127.0.0.1:" + closedPort).withTimeout(Duration.ofSeconds(1)));
    long start = System.nanoTime();
    StoreUnavailableException failure = failure(down.ping(), StoreUnavailableException.class);
    assertNotNull(failure.getMessage());
    failure(down.append(key("x"), Append.of(0, user("x"))), StoreUnavailableException.class);
    assertTrue(System.nanoTime() - start < 3_000_000_000L, "failed fast");
    await(down.close());
  }

  @Test
  void opensAFreshConnectionOnceACommandTimedOutOnASilentOne() {
    RedisServerFixture server = RedisServerFixture.startPrivate();
    SilencingProxy proxy = SilencingProxy.start(vertx, server.port());
    RedisCheckpointStore viaProxy = new RedisCheckpointStore(vertx,
        RedisStoreOptions.of(proxy.url()).withTimeout(Duration.ofSeconds(2)));
    try {
      SessionKey key = key("silent");
      // a cold JVM's first command can take longer than the short timeout: tried until it answers
      until(Duration.ofSeconds(10), "the store answers through the proxy", () -> succeeds(viaProxy.ping()));
      SessionMeta v1 = await(viaProxy.append(key, Append.of(0, user("before"))));

      proxy.silenceOpenConnections(); // open, but nothing comes back: only a timeout can tell
      StoreUnavailableException timedOut = failure(viaProxy.append(key, Append.of(v1.version(), assistant("lost"))),
          StoreUnavailableException.class);
      assertTrue(timedOut.getMessage().contains("2000 ms"), timedOut.getMessage());

      // the silent connection was retired with its timeout: the next command goes over a new one, no restart needed
      assertNotNull(await(viaProxy.meta(key)));
      await(viaProxy.ping());
    } finally {
      await(viaProxy.close());
      proxy.close();
      server.stop();
    }
  }

  private static boolean succeeds(Future<?> future) {
    try {
      await(future);
      return true;
    } catch (StoreUnavailableException e) {
      return false;
    }
  }

  @Test
  void readsOptionsForEveryTopology() {
    RedisStoreOptions cluster = new RedisStoreOptions(null, "cluster",
        List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000"), null, Duration.ofHours(1), 50);
    assertEquals(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000"), cluster.redisOptions().getEndpoints());
    assertEquals(RedisClientType.CLUSTER, cluster.redisOptions().getType());
    RedisStoreOptions sentinel = new RedisStoreOptions(null, "sentinel", List.of("redis://10.0.0.1:26379"),
        "mymaster", null, 1000);
    assertEquals("mymaster", sentinel.redisOptions().getMasterName());
    assertEquals(RedisStoreOptions.DEFAULT_TTL, sentinel.ttl());
    assertThrows(IllegalArgumentException.class,
        () -> new RedisStoreOptions(null, "sentinel", List.of("redis://h:26379"), null, null, 10));
    assertThrows(IllegalArgumentException.class,
        () -> new RedisStoreOptions("redis://h", "mesh", null, null, null, 10));
  }
}
