package dev.rebound.store;

import static dev.rebound.store.Await.await;
import static dev.rebound.store.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The behaviour every {@link CheckpointStore} must have. Each test works in its own tenant, so stores that share a
 * backend (one Redis for the whole JVM) never see each other's data.
 */
@ExtendWith(VertxExtension.class)
abstract class CheckpointStoreContract {

  protected static final Duration LONG_TTL = Duration.ofDays(7);

  protected Vertx vertx;
  protected MutableClock clock;
  protected CheckpointStore store;
  protected String tenant;
  private final List<CheckpointStore> opened = new ArrayList<>();

  /** A fresh store on the backend under test. */
  protected abstract Future<? extends CheckpointStore> newStore(Vertx vertx, Clock clock, Duration ttl, int maxEvents);

  /** Lets {@code by} of the session's time to live pass (without sleeping). */
  protected abstract void age(SessionKey key, Duration by);

  @BeforeEach
  void openStore(Vertx vertx) {
    this.vertx = vertx;
    this.clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    this.tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
    this.store = open(LONG_TTL, 1000);
  }

  @AfterEach
  void closeStores() {
    for (CheckpointStore s : opened) await(s.close());
  }

  protected CheckpointStore open(Duration ttl, int maxEvents) {
    CheckpointStore s = await(newStore(vertx, clock, ttl, maxEvents));
    opened.add(s);
    return s;
  }

  protected SessionKey key(String id) {
    return new SessionKey(tenant, id);
  }

  protected static NewMessage user(String text) {
    return NewMessage.of("user", "{\"role\":\"user\",\"content\":" + Json.encode(text) + "}");
  }

  protected static NewMessage assistant(String text) {
    return NewMessage.of("assistant", "{\"role\":\"assistant\",\"content\":" + Json.encode(text) + "}");
  }

  protected static CheckpointDraft auto(String contextView) {
    return new CheckpointDraft(CheckpointKind.AUTO, null, contextView, 42, "turn completed");
  }

  private List<String> contents(SessionKey key) {
    return await(store.messages(key, 0, Integer.MAX_VALUE)).stream()
        .map(m -> Json.decodeValue(m.json(), JsonObject.class).getString("content"))
        .toList();
  }

  // ------------------------------------------------------------------------------------------------------------

  @Test
  void createsASessionOnTheFirstAppendAndReadsEverythingBack() {
    SessionKey key = key("conv-1");
    assertNull(await(store.meta(key)), "missing session reads as null");
    assertEquals(List.of(), await(store.messages(key, 0, 10)));

    NewMessage system = NewMessage.of("system", "{\"role\": \"system\",  \"content\": \"be brief\"}");
    SessionMeta meta = await(store.append(key, Append.of(0, system, user("hi"))
        .withMeta(new MetaChange("openai", "coder", null, 1, 120))));

    assertEquals(1, meta.version());
    assertEquals(2, meta.messageCount());
    assertEquals(0, meta.checkpointCount());
    assertEquals("openai", meta.protocol());
    assertEquals("coder", meta.agent());
    assertEquals(SessionMeta.ACTIVE, meta.status());
    assertEquals(1, meta.turns());
    assertEquals(120, meta.tokens());
    assertEquals(clock.instant(), meta.created());
    assertEquals(clock.instant(), meta.updated());
    assertNull(meta.forkedFrom());
    assertEquals(meta, await(store.meta(key)));

    List<StoredMessage> stored = await(store.messages(key, 0, 100));
    assertEquals(2, stored.size());
    StoredMessage first = stored.get(0);
    assertEquals(0, first.index());
    assertEquals("system", first.role());
    assertEquals(system.json(), first.json(), "stored verbatim, whitespace included");
    assertEquals(MessageHash.of(system.json()), first.hash());
    assertEquals(MessageHash.of("{\"content\":\"be brief\",\"role\":\"system\"}"), first.hash(), "canonical hash");
    assertFalse(first.partial());
    assertEquals(clock.instant(), first.at());
    assertEquals(1, stored.get(1).index());

    assertEquals(List.of(1), await(store.messages(key, 1, 2)).stream().map(StoredMessage::index).toList());
    assertEquals(List.of("be brief", "hi"), contents(key));
    assertEquals(List.of(), await(store.messages(key, 5, 9)), "out of range is empty");
    assertEquals(2, await(store.messages(key, -3, 99)).size(), "clamped");
  }

  @Test
  void continuesAnExistingSessionFromItsCurrentVersion() {
    SessionKey key = key("conv-2");
    SessionMeta v1 = await(store.append(key, Append.of(0, user("q1"))));
    clock.advance(Duration.ofSeconds(3));
    SessionMeta v2 = await(store.append(key, Append.of(v1.version(), assistant("a1"))
        .withMeta(new MetaChange(null, null, null, 1, 10))));
    SessionMeta v3 = await(store.append(key, Append.of(v2.version(), user("q2"), assistant("a2"))
        .withMeta(new MetaChange(null, null, null, 1, 5))));

    assertEquals(3, v3.version());
    assertEquals(4, v3.messageCount());
    assertEquals(2, v3.turns());
    assertEquals(15, v3.tokens());
    assertEquals(v1.created(), v3.created(), "created is kept");
    assertTrue(v3.updated().isAfter(v1.updated()));
    assertEquals(List.of("q1", "a1", "q2", "a2"), contents(key));

    SessionMeta metaOnly = await(store.append(key, Append.of(3).withMeta(new MetaChange(null, "reviewer", "partial", 0, 0))));
    assertEquals(4, metaOnly.version(), "a meta-only write is a write");
    assertEquals("reviewer", metaOnly.agent());
    assertEquals("partial", metaOnly.status());
    assertEquals(4, metaOnly.messageCount());
  }

  @Test
  void keepsEachAnswersUsageOnItsTurnAndSumsItOnTheSession() {
    SessionKey key = key("usage");
    TurnUsage first = new TurnUsage(100, 20, 0, 300);
    TurnUsage second = new TurnUsage(7, 30, 400, 0);
    SessionMeta v1 = await(store.append(key, Append.of(0, user("q1"), assistant("a1").withUsage(first))
        .withMeta(MetaChange.answered("anthropic", "coder", null, 1, first))));
    SessionMeta v2 = await(store.append(key, Append.of(v1.version(), user("q2"), assistant("a2").withUsage(second))
        .withMeta(MetaChange.answered(null, null, null, 1, second))));

    assertEquals(new TurnUsage(107, 50, 400, 300), v2.usage());
    assertEquals(857, v2.tokens(), "tokens are every token the answers cost");
    assertEquals(v2, await(store.meta(key)));
    List<StoredMessage> stored = await(store.messages(key, 0, 10));
    assertEquals(List.of(TurnUsage.NONE, first, TurnUsage.NONE, second), stored.stream().map(StoredMessage::usage).toList());

    SessionMeta forked = await(store.fork(key, 0 + await(store.append(key, Append.of(v2.version())
        .withCheckpoint(auto("[]")))).checkpointCount(), key("usage-fork")));
    assertEquals(new TurnUsage(107, 50, 400, 300), forked.usage(), "a fork carries the usage of the turns it copies");
    assertEquals(second, await(store.messages(key("usage-fork"), 3, 4)).get(0).usage());
  }

  @Test
  void replacesAPartialAnswerWithEachNewerSaveOfIt() {
    SessionKey key = key("streaming");
    SessionMeta v = await(store.append(key, Append.of(0, user("tell me a story"))));

    v = await(store.append(key, Append.of(v.version(), NewMessage.partial("assistant", "{\"content\":\"Once\"}"))
        .replacingPartial()));
    assertEquals(2, v.messageCount());
    v = await(store.append(key, Append.of(v.version(), NewMessage.partial("assistant", "{\"content\":\"Once upon\"}"))
        .replacingPartial()));
    assertEquals(2, v.messageCount(), "the partial was replaced, not appended");
    StoredMessage last = await(store.messages(key, 1, 2)).get(0);
    assertTrue(last.partial());
    assertEquals("{\"content\":\"Once upon\"}", last.json());

    v = await(store.append(key, Append.of(v.version(), assistant("Once upon a time."), user("more"))
        .replacingPartial()));
    assertEquals(3, v.messageCount(), "the complete answer replaced the partial one, the next message was appended");
    List<StoredMessage> all = await(store.messages(key, 0, 10));
    assertFalse(all.get(1).partial());
    assertEquals(List.of("tell me a story", "Once upon a time.", "more"), contents(key));

    v = await(store.append(key, Append.of(v.version(), assistant("sure")).replacingPartial()));
    assertEquals(4, v.messageCount(), "replacePartial appends when the last message is complete");
  }

  @Test
  void rejectsAWriteWithAStaleVersionAndReportsBothVersions() {
    SessionKey key = key("stale");
    await(store.append(key, Append.of(0, user("a"))));
    await(store.append(key, Append.of(1, user("b"))));

    StaleWriteException stale = failure(store.append(key, Append.of(1, user("lost"))), StaleWriteException.class);
    assertEquals(1, stale.expectedVersion());
    assertEquals(2, stale.actualVersion());
    StaleWriteException notNew = failure(store.append(key, Append.of(0, user("x"))), StaleWriteException.class);
    assertEquals(2, notNew.actualVersion());
    StaleWriteException missing = failure(store.append(key("nobody"), Append.of(3, user("x"))),
        StaleWriteException.class);
    assertEquals(0, missing.actualVersion(), "a missing session has version 0");
    assertEquals(List.of("a", "b"), contents(key), "failed writes change nothing");
    assertEquals(2, await(store.meta(key)).version());
  }

  @Test
  void letsExactlyOneOfTwoConcurrentWritersWinAndTheOtherSucceedsAfterRereading() {
    SessionKey key = key("race");
    long v = await(store.append(key, Append.of(0, user("start")))).version();

    Future<SessionMeta> left = store.append(key, Append.of(v, assistant("left")));
    Future<SessionMeta> right = store.append(key, Append.of(v, assistant("right")));
    await(Future.join(left, right).otherwiseEmpty());

    assertTrue(left.succeeded() ^ right.succeeded(), "exactly one writer wins");
    Future<SessionMeta> loser = left.succeeded() ? right : left;
    String loserText = left.succeeded() ? "right" : "left";
    StaleWriteException stale = failure(loser, StaleWriteException.class);
    assertEquals(v + 1, stale.actualVersion());

    long current = await(store.meta(key)).version();
    SessionMeta retried = await(store.append(key, Append.of(current, assistant(loserText))));
    assertEquals(v + 2, retried.version());
    assertEquals(3, retried.messageCount());
    assertEquals(loserText, contents(key).get(2));
  }

  @Test
  void keepsCheckpointsInOrderWithTheirContextViewVerbatim() {
    SessionKey key = key("cps");
    String view1 = "[{\"role\":\"user\",\"content\":\"q1\"}]";
    SessionMeta v = await(store.append(key, Append.of(0, user("q1")).withCheckpoint(
        new CheckpointDraft(CheckpointKind.WORKFLOW, "plan-done", view1, 17, "client asked"))));
    assertEquals(1, v.checkpointCount());
    clock.advance(Duration.ofSeconds(1));
    // after truncation the context sent upstream differs from the stored history: it is kept as sent
    String view2 = "[ {\"role\":\"system\",\"content\":\"summary…\"},\n {\"role\":\"user\",\"content\":\"q2\"} ]";
    v = await(store.append(key, Append.of(v.version(), assistant("a1"), user("q2"))
        .withCheckpoint(new CheckpointDraft(CheckpointKind.ERROR, null, view2, 99, "truncated before retry"))));
    assertEquals(2, v.checkpointCount());
    assertEquals(3, v.messageCount());

    List<Checkpoint> all = await(store.checkpoints(key));
    assertEquals(2, all.size());
    Checkpoint first = all.get(0);
    assertEquals(new Checkpoint(1, CheckpointKind.WORKFLOW, "plan-done", 1, view1, 17,
        clock.instant().minusSeconds(1), "client asked"), first);
    Checkpoint second = all.get(1);
    assertEquals(new Checkpoint(2, CheckpointKind.ERROR, null, 3, view2, 99, clock.instant(),
        "truncated before retry"), second);
    assertEquals(second, await(store.checkpoint(key, 2)));
    assertNull(await(store.checkpoint(key, 3)));
    assertNull(await(store.checkpoint(key, 0)));
    assertNull(await(store.checkpoint(key("none"), 1)));
    assertEquals(List.of(), await(store.checkpoints(key("none"))));
  }

  @Test
  void forksANewSessionFromACheckpointAndLeavesTheSourceAlone() {
    SessionKey source = key("source");
    SessionMeta v = await(store.append(source, Append.of(0, user("q1"), assistant("a1"))
        .withCheckpoint(auto("[\"view at 2\"]"))
        .withMeta(new MetaChange("anthropic", "coder", null, 1, 50))));
    v = await(store.append(source, Append.of(v.version(), user("q2"), assistant("a2")).withCheckpoint(auto("[]"))));

    SessionKey fork = key("fork");
    clock.advance(Duration.ofSeconds(1));
    SessionMeta forked = await(store.fork(source, 1, fork));
    assertEquals(1, forked.version());
    assertEquals(2, forked.messageCount());
    assertEquals(1, forked.checkpointCount());
    assertEquals("source@1", forked.forkedFrom());
    assertEquals("anthropic", forked.protocol());
    assertEquals("coder", forked.agent());
    assertEquals(1, forked.turns(), "one completed assistant turn came along");
    assertEquals(List.of("q1", "a1"), contents(fork));
    assertEquals(await(store.messages(source, 0, 2)).stream().map(StoredMessage::hash).toList(),
        await(store.messages(fork, 0, 2)).stream().map(StoredMessage::hash).toList());

    Checkpoint copied = await(store.checkpoint(fork, 1));
    assertEquals(1, copied.seq());
    assertEquals(CheckpointKind.MANUAL, copied.kind());
    assertEquals("[\"view at 2\"]", copied.contextView());
    assertEquals(2, copied.messageCount());
    assertEquals("forked from " + source + "@1", copied.reason());

    assertEquals(4, await(store.meta(source)).messageCount(), "source untouched");
    assertEquals(v.version(), await(store.meta(source)).version());

    failure(store.fork(source, 2, fork), SessionExistsException.class);
    failure(store.fork(source, 2, source), SessionExistsException.class);
    failure(store.fork(key("ghost"), 1, key("fork2")), SessionNotFoundException.class);
    failure(store.fork(source, 7, key("fork3")), SessionNotFoundException.class);
    assertNull(await(store.meta(key("fork3"))));

    // forks continue independently
    await(store.append(fork, Append.of(1, user("other path"))));
    assertEquals(List.of("q1", "a1", "other path"), contents(fork));
    assertEquals(List.of("q1", "a1", "q2", "a2"), contents(source));
  }

  @Test
  void restoresToACheckpointKeepingEveryCheckpointAndRecordingTheRewind() {
    SessionKey key = key("rewind");
    SessionMeta v = await(store.append(key, Append.of(0, user("q1"), assistant("a1")).withCheckpoint(auto("[1]"))));
    v = await(store.append(key, Append.of(v.version(), user("q2"), assistant("a2")).withCheckpoint(auto("[2]"))));
    v = await(store.append(key, Append.of(v.version(), user("q3"), assistant("a3")).withCheckpoint(auto("[3]"))));
    assertEquals(3, v.version());

    failure(store.restore(key, 1, 2), StaleWriteException.class);
    SessionMeta restored = await(store.restore(key, 2, 3));
    assertEquals(4, restored.version());
    assertEquals(4, restored.messageCount());
    assertEquals(4, restored.checkpointCount(), "all checkpoints kept, one added");
    assertEquals(2, restored.turns(), "the turns are those of the history that stands again");
    assertEquals(List.of("q1", "a1", "q2", "a2"), contents(key));
    Checkpoint marker = await(store.checkpoint(key, 4));
    assertEquals(CheckpointKind.MANUAL, marker.kind());
    assertEquals("restored to #2", marker.reason());
    assertEquals(4, marker.messageCount());
    assertEquals("[2]", marker.contextView());
    assertEquals("[3]", await(store.checkpoint(key, 3)).contextView(), "later checkpoints stay readable");

    // checkpoint 3 points past the rewind: its messages are gone
    failure(store.restore(key, 3, 4), CheckpointSupersededException.class);
    failure(store.fork(key, 3, key("from-3")), CheckpointSupersededException.class);
    // an earlier one is fine, and the session continues from there
    SessionMeta again = await(store.restore(key, 1, 4));
    assertEquals(1, again.turns());
    assertEquals(List.of("q1", "a1"), contents(key));
    SessionMeta next = await(store.append(key, Append.of(again.version(), user("q2'"))));
    assertEquals(3, next.messageCount());

    failure(store.restore(key, 9, next.version()), SessionNotFoundException.class);
    failure(store.restore(key("ghost"), 1, 0), SessionNotFoundException.class);
  }

  @Test
  void replacingTheHistoryKeepsEveryCheckpointEventTurnAndTokenAndChecksTheVersion() {
    SessionKey key = key("compacted");
    SessionMeta v = await(store.append(key, Append.of(0, user("q1"), assistant("a1")).withCheckpoint(auto("[1]"))
        .withMeta(new MetaChange("anthropic", "coder", null, 1, 10))));
    v = await(store.append(key, Append.of(v.version(), user("q2"), assistant("a2"))
        .withCheckpoint(new CheckpointDraft(CheckpointKind.WORKFLOW, "plan", "[2]", 0, "the client's"))
        .withMeta(new MetaChange(null, null, null, 1, 20))));
    await(store.appendEvent(key, "feedback", "a vote", null));
    CheckpointDraft compaction = new CheckpointDraft(CheckpointKind.COMPACTED, null, "[\"q1\",\"a1\",\"q2\",\"a2\"]",
        0, "compacted");

    failure(store.append(key, Append.of(v.version() - 1, user("summary")).replacingHistory()), StaleWriteException.class);
    SessionMeta compacted = await(store.append(key, Append.of(v.version(), user("summary of q1 q2"))
        .withCheckpoint(compaction).replacingHistory().ofSessionCreated(v.created())));

    assertEquals(v.version() + 1, compacted.version());
    assertEquals(1, compacted.messageCount());
    assertEquals(3, compacted.checkpointCount(), "the earlier checkpoints stay, the compaction's is added");
    assertEquals(2, compacted.turns(), "the turns answered before still count");
    assertEquals(30, compacted.tokens());
    assertEquals(v.created(), compacted.created(), "the same session, not a new one");
    assertEquals(List.of("summary of q1 q2"), contents(key));
    assertEquals(0, await(store.messages(key, 0, 9)).get(0).index(), "the message list starts again at 0");
    assertEquals(List.of("[1]", "[2]"), await(store.checkpoints(key)).subList(0, 2).stream()
        .map(Checkpoint::contextView).toList());
    assertEquals("a vote", await(store.events(key, null, 10)).get(0).reason(), "events stay");

    // the history goes on from the compacted one; a second compaction keeps the first's checkpoint
    SessionMeta next = await(store.append(key, Append.of(compacted.version(), assistant("a3"))
        .withMeta(new MetaChange(null, null, null, 1, 5))));
    assertEquals(List.of("summary of q1 q2", "a3"), contents(key));
    SessionMeta again = await(store.append(key, Append.of(next.version(), user("summary of everything"))
        .withCheckpoint(compaction).replacingHistory()));
    assertEquals(List.of("summary of everything"), contents(key));
    assertEquals(4, again.checkpointCount());
    assertEquals(List.of(CheckpointKind.AUTO, CheckpointKind.WORKFLOW, CheckpointKind.COMPACTED, CheckpointKind.COMPACTED),
        await(store.checkpoints(key)).stream().map(Checkpoint::kind).toList());
    assertEquals(3, again.turns());

    // the checkpoints before a compaction count messages that were replaced: neither restored to nor forked from
    failure(store.restore(key, 2, again.version()), CheckpointSupersededException.class);
    failure(store.fork(key, 1, key("from-1")), CheckpointSupersededException.class);
    // the last compaction's is; a rewind keeps counting the turns summarised before it
    SessionMeta restored = await(store.restore(key, 4, again.version()));
    assertEquals(List.of("summary of everything"), contents(key));
    assertEquals(3, restored.turns());
  }

  @Test
  void deletesASessionWithItsMessagesCheckpointsAndEvents() {
    SessionKey key = key("doomed");
    await(store.append(key, Append.of(0, user("x")).withCheckpoint(auto("[]"))));
    await(store.appendEvent(key, "route", "best match", "{\"agent\":\"coder\"}"));

    assertTrue(await(store.delete(key)));
    assertNull(await(store.meta(key)));
    assertEquals(List.of(), await(store.messages(key, 0, 10)));
    assertEquals(List.of(), await(store.checkpoints(key)));
    assertEquals(List.of(), await(store.events(key, null, 10)));
    assertEquals(List.of(), await(store.list(tenant, 0, 10)));
    assertFalse(await(store.delete(key)), "nothing left to delete");

    SessionMeta reborn = await(store.append(key, Append.of(0, user("again"))));
    assertEquals(1, reborn.version(), "a deleted id starts over at version 0");
    assertEquals(List.of("again"), contents(key));
  }

  @Test
  void aWriteForTheSessionCreatedAtAGivenTimeFailsOnASessionOfTheSameIdCreatedAgain() {
    SessionKey key = key("reborn");
    SessionMeta first = await(store.append(key, Append.of(0, user("old"))));
    assertEquals(2, await(store.append(key, Append.of(1, assistant("a")).ofSessionCreated(first.created()))).version(),
        "the same session: written");

    assertTrue(await(store.delete(key)));
    clock.advance(Duration.ofSeconds(1));
    SessionMeta again = await(store.append(key, Append.of(0, user("new"))));
    again = await(store.append(key, Append.of(1, assistant("b"))));
    assertEquals(2, again.version(), "the new session reached the version the old one had");

    StaleWriteException stale = failure(store.append(key, Append.of(2, user("for the old one"))
        .ofSessionCreated(first.created())), StaleWriteException.class);
    assertTrue(stale.getMessage().contains("created again"), stale.getMessage());
    assertEquals(List.of("new", "b"), contents(key), "nothing written into the other session");
    assertEquals(3, await(store.append(key, Append.of(2, user("ok")).ofSessionCreated(again.created()))).version());
  }

  @Test
  void listsATenantsSessionsMostRecentlyUpdatedFirstWithPaging() {
    assertEquals(List.of(), await(store.list(tenant, 0, 10)));
    for (String id : List.of("s1", "s2", "s3", "s4")) {
      await(store.append(key(id), Append.of(0, user(id))));
      clock.advance(Duration.ofSeconds(1));
    }
    await(store.append(key("s2"), Append.of(1, user("bump"))));

    assertEquals(List.of("s2", "s4", "s3", "s1"), ids(await(store.list(tenant, 0, 10))));
    assertEquals(List.of("s2", "s4"), ids(await(store.list(tenant, 0, 2))));
    assertEquals(List.of("s3", "s1"), ids(await(store.list(tenant, 2, 2))));
    assertEquals(List.of(), ids(await(store.list(tenant, 4, 2))));
    assertEquals(2, await(store.list(tenant, 0, 10)).get(0).version(), "full meta in the listing");
    failure(store.list("bad tenant!", 0, 10), IllegalArgumentException.class);
  }

  protected static List<String> ids(List<SessionMeta> metas) {
    return metas.stream().map(m -> m.key().id()).toList();
  }

  @Test
  void keepsTenantsApartEvenWithTheSameSessionId() {
    SessionKey mine = key("shared-id");
    SessionKey theirs = new SessionKey(tenant + "-other", "shared-id");
    await(store.append(mine, Append.of(0, user("mine"))));

    assertNull(await(store.meta(theirs)), "another tenant's id is missing");
    assertEquals(List.of(), await(store.messages(theirs, 0, 10)));
    assertEquals(List.of(), await(store.list(theirs.tenant(), 0, 10)));
    failure(store.restore(theirs, 1, 1), SessionNotFoundException.class);

    await(store.append(theirs, Append.of(0, user("theirs"), user("more"))));
    assertEquals(1, await(store.meta(mine)).messageCount());
    assertEquals(2, await(store.meta(theirs)).messageCount());
    assertEquals(List.of("mine"), contents(mine));
    await(store.delete(theirs));
    assertNotNull(await(store.meta(mine)));
  }

  @Test
  void capsEventsAtMaxEventsAndReadsThemAfterAnId() {
    CheckpointStore capped = open(LONG_TTL, 5);
    SessionKey key = key("events");
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      ids.add(await(capped.appendEvent(key, "retry", "attempt " + i, i % 2 == 0 ? "{\"attempt\":" + i + "}" : null)));
    }
    List<SessionEvent> kept = await(capped.events(key, null, 100));
    assertEquals(5, kept.size(), "capped at maxEvents, oldest dropped");
    assertEquals(ids.subList(3, 8), kept.stream().map(SessionEvent::id).toList());
    assertEquals("attempt 4", kept.get(0).reason());
    assertEquals("{\"attempt\":4}", kept.get(0).json());
    assertNull(kept.get(1).json());
    assertEquals("retry", kept.get(0).type());
    assertEquals(clock.instant(), kept.get(0).at());

    List<SessionEvent> after = await(capped.events(key, ids.get(5), 100));
    assertEquals(ids.subList(6, 8), after.stream().map(SessionEvent::id).toList());
    assertEquals(ids.subList(3, 5), await(capped.events(key, null, 2)).stream().map(SessionEvent::id).toList());
    assertEquals(List.of(), await(capped.events(key, ids.get(7), 10)));
    assertEquals(List.of(), await(capped.events(key("quiet"), null, 10)));
    assertNull(await(capped.meta(key)), "events alone do not make a session");
  }

  @Test
  void theCapDropsTheOldestEventsOneByOneAcrossWritesOfSeveralAndReadsResumeInsideAWrite() {
    CheckpointStore capped = open(LONG_TTL, 5);
    SessionKey key = key("batches");
    List<String> ids = new ArrayList<>();
    for (int write = 0; write < 4; write++) {
      List<NewEvent> three = new ArrayList<>();
      for (int i = 0; i < 3; i++) three.add(new NewEvent(null, "retry", "attempt " + (3 * write + i), null));
      ids.addAll(await(capped.appendEvents(key, three)));
      List<SessionEvent> kept = await(capped.events(key, null, 100));
      assertEquals(ids.subList(Math.max(0, ids.size() - 5), ids.size()), kept.stream().map(SessionEvent::id).toList(),
          "after write " + write + ": the newest five, the oldest write cut in the middle when it must");
    }
    assertEquals(List.of("attempt 7", "attempt 8", "attempt 9", "attempt 10", "attempt 11"),
        await(capped.events(key, null, 100)).stream().map(SessionEvent::reason).toList());
    // a cursor in the middle of a write, and a page that ends in the middle of one
    assertEquals(ids.subList(10, 12), await(capped.events(key, ids.get(9), 100)).stream().map(SessionEvent::id).toList());
    assertEquals(ids.subList(8, 10), await(capped.events(key, ids.get(7), 2)).stream().map(SessionEvent::id).toList());
    List<NewEvent> many = new ArrayList<>();
    for (int i = 0; i < 7; i++) many.add(new NewEvent(null, "retry", "burst " + i, "{\"i\":" + i + "}"));
    List<String> burst = await(capped.appendEvents(key, many));
    List<SessionEvent> last = await(capped.events(key, null, 100));
    assertEquals(burst.subList(2, 7), last.stream().map(SessionEvent::id).toList(), "one write larger than the cap");
    assertEquals("{\"i\":2}", last.get(0).json());
  }

  @Test
  void readingEventsAfterAnIdTheStoreNeverGaveOutFailsAsAnIllegalArgument() {
    SessionKey key = key("cursor");
    await(store.appendEvent(key, "route", "r", null));
    for (String bad : new String[] {"x", "", "-1", "1-", "-", "(1", "1 2", "99999999999999999999999", "1-99999999999999999999999"}) {
      IllegalArgumentException e = failure(store.events(key, bad, 10), IllegalArgumentException.class);
      assertTrue(e.getMessage().contains("invalid event id"), bad + ": " + e.getMessage());
    }
  }

  @Test
  void appendsSeveralEventsInOneWriteInOrderWithTheirOwnTimes() {
    SessionKey key = key("batched");
    String first = await(store.appendEvent(key, "route", "best match", null));
    Instant earlier = clock.instant().minusSeconds(3);
    List<String> ids = await(store.appendEvents(key, List.of(
        new NewEvent(earlier, "checkpoint", "user turn stored", "{\"version\":1}"),
        new NewEvent(null, "answered", null, null),
        new NewEvent(earlier.plusMillis(5), "checkpoint", "assistant turn stored", "{\"version\":2}"))));

    assertEquals(3, ids.size());
    List<SessionEvent> after = await(store.events(key, first, 10));
    assertEquals(ids, after.stream().map(SessionEvent::id).toList(), "ids in order, each readable after the last");
    assertEquals(List.of("checkpoint", "answered", "checkpoint"), after.stream().map(SessionEvent::type).toList());
    assertEquals(earlier, after.get(0).at(), "the time the decision was made, not the time it was written");
    assertEquals(clock.instant(), after.get(1).at(), "no time given: the store's");
    assertEquals("{\"version\":2}", after.get(2).json());
    assertNull(after.get(1).reason());
    assertEquals(ids.subList(1, 3),
        await(store.events(key, ids.get(0), 10)).stream().map(SessionEvent::id).toList());
    failure(store.appendEvents(key, List.of()), IllegalArgumentException.class);
  }

  @Test
  void expiresASessionAfterItsTtlAndRefreshesTheTtlOnEveryWrite() {
    Duration ttl = Duration.ofSeconds(2);
    CheckpointStore shortLived = open(ttl, 1000);
    SessionKey key = key("ephemeral");
    SessionKey other = key("unrelated");
    SessionMeta v = await(shortLived.append(key, Append.of(0, user("q")).withCheckpoint(auto("[]"))));
    await(shortLived.appendEvent(key, "checkpoint", null, null));
    await(shortLived.append(other, Append.of(0, user("o"))));

    age(key, Duration.ofMillis(1500));
    assertNotNull(await(shortLived.meta(key)), "not yet expired");
    v = await(shortLived.append(key, Append.of(v.version(), assistant("a"))));   // refreshes the TTL
    age(key, Duration.ofMillis(1500));
    assertEquals(2, await(shortLived.meta(key)).messageCount(), "3 s after creation, alive thanks to the refresh");

    age(key, Duration.ofMillis(1000));
    assertNull(await(shortLived.meta(key)), "expired");
    assertEquals(List.of(), await(shortLived.messages(key, 0, 10)));
    assertEquals(List.of(), await(shortLived.checkpoints(key)));
    assertEquals(List.of(), await(shortLived.events(key, null, 10)));
    assertFalse(ids(await(shortLived.list(tenant, 0, 10))).contains("ephemeral"));
    assertEquals(1, await(shortLived.append(key, Append.of(0, user("new life")))).version(), "starts over");
  }

  @Test
  void roundTripsAHundredKilobyteMessageThroughCompression() {
    SessionKey key = key("big");
    StringBuilder body = new StringBuilder();
    for (int i = 0; body.length() < 100_000; i++) body.append("line ").append(i).append(": some tool output\n");
    NewMessage big = NewMessage.of("tool", "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":"
        + Json.encode(body.toString()) + "}");
    String bigView = "[" + big.json() + "]";
    await(store.append(key, Append.of(0, user("run it"), big).withCheckpoint(auto(bigView))));

    StoredMessage stored = await(store.messages(key, 1, 2)).get(0);
    assertEquals(big.json(), stored.json());
    assertEquals(MessageHash.of(big.json()), stored.hash());
    assertEquals(bigView, await(store.checkpoint(key, 1)).contextView());
  }

  @Test
  void keepsUnicodeExactlyAsSent() {
    SessionKey key = key("unicode");
    String json = "{\"role\":\"user\",\"content\":\"Grüße, 世界! 👋🏽 שלום e\u0301 \\u00e9 \\ud83d\\ude00 \\\"q\\\"\"}";
    await(store.append(key, Append.of(0, NewMessage.of("user", json)).withCheckpoint(auto("[" + json + "]"))));
    await(store.appendEvent(key, "note", "ünïcödé ✓", "{\"x\":\"🚀\"}"));

    assertEquals(json, await(store.messages(key, 0, 1)).get(0).json());
    assertEquals("[" + json + "]", await(store.checkpoint(key, 1)).contextView());
    SessionEvent event = await(store.events(key, null, 1)).get(0);
    assertEquals("ünïcödé ✓", event.reason());
    assertEquals("{\"x\":\"🚀\"}", event.json());
  }

  @Test
  void reportsBadInputAsFailedFuturesNotExceptions() {
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("t", "has space"));
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("t/x", "id"));
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("t", "x".repeat(129)));
    new SessionKey("t", "Ab0._:-" + "x".repeat(121)); // 128 chars, every allowed symbol
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("t:x", "id"), "a tenant has no colon");
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("x".repeat(65), "id"));
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("", "id"));
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("t", ""));
    assertThrows(IllegalArgumentException.class, () -> new SessionKey("t", "caf\u00e9"));
    new SessionKey("Tz9._-" + "x".repeat(58), "id"); // 64 chars

    failure(store.append(null, Append.of(0, user("x"))), RuntimeException.class);
    failure(store.meta(null), RuntimeException.class);
    failure(store.appendEvent(key("e"), null, null, null), RuntimeException.class);
  }

  @Test
  void keepsAResponseByIdInItsTenantUntilItIsDeleted() {
    Instant at = clock.instant();
    StoredResponse kept = new StoredResponse(tenant, "resp_abc123", "chain-1", 2, "{\"id\":\"resp_abc123\"}", at);
    await(store.putResponse(kept));
    assertEquals(kept, await(store.response(tenant, "resp_abc123")));
    assertNull(await(store.response("other-" + tenant.substring(2), "resp_abc123")), "another tenant's id is not found");
    assertNull(await(store.response(tenant, "resp_unknown")));
    assertNull(await(store.response(tenant, "not a {valid} id")), "an id no response can have reads as none");

    StoredResponse replaced = new StoredResponse(tenant, "resp_abc123", "chain-1", 3, "{\"id\":\"resp_abc123\",\"v\":2}", at);
    await(store.putResponse(replaced));
    assertEquals(replaced, await(store.response(tenant, "resp_abc123")));

    assertTrue(await(store.deleteResponse(tenant, "resp_abc123")));
    assertNull(await(store.response(tenant, "resp_abc123")));
    assertFalse(await(store.deleteResponse(tenant, "resp_abc123")), "nothing left to delete");
  }

  @Test
  void aResponseOutlivesNothingOfItsSessionButItsOwnRecord() {
    SessionKey key = key("chain-2");
    await(store.append(key, Append.of(0, user("q"), assistant("a"))));
    await(store.putResponse(new StoredResponse(tenant, "resp_x", key.id(), 1, "{}", clock.instant())));
    await(store.delete(key));
    assertEquals(key.id(), await(store.response(tenant, "resp_x")).sessionId(),
        "the record stays; whoever reads it finds its session gone");
    assertThrows(IllegalArgumentException.class, () -> new StoredResponse(tenant, "bad id", "s", 1, "{}", null));
    assertThrows(IllegalArgumentException.class, () -> new StoredResponse(tenant, "resp_y", "s", 0, "{}", null));
  }

  @Test
  void answersPingWhenTheBackendIsUp() {
    await(store.ping());
  }
}
