package dev.rebound.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.rebound.store.Append;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order of one request's session writes when its user turn waits to be stored with the answer. */
class SessionWritesTest {
  final List<String> written = new ArrayList<>();

  UserTurn question(List<Promise<Void>> ownWrites) {
    return new UserTurn(Append.of(1), meta -> { }, () -> {
      written.add("question alone");
      Promise<Void> p = Promise.promise();
      ownWrites.add(p);
      return p.future();
    }, () -> Future.succeededFuture());
  }

  /** The answer's write: notes what it was given. */
  java.util.function.Function<UserTurn, Future<Void>> answer(UserTurn[] taken) {
    return t -> {
      taken[0] = t;
      written.add("answer");
      return Future.succeededFuture();
    };
  }

  @Test
  void anAnswerTakesTheWaitingQuestionIntoItsOwnWrite() {
    SessionJournal.Writes writes = new SessionJournal.Writes(true);
    UserTurn q = question(new ArrayList<>());
    writes.userTurnWaits(q);
    UserTurn[] taken = {null};
    writes.answer(answer(taken));
    assertSame(q, taken[0]);
    assertEquals(List.of("answer"), written);
    // the wait ending afterwards finds nothing to store
    writes.storeUserTurn();
    assertEquals(List.of("answer"), written);
  }

  @Test
  void anotherWriteStoresTheQuestionOnItsOwnFirst() {
    SessionJournal.Writes writes = new SessionJournal.Writes(true);
    List<Promise<Void>> own = new ArrayList<>();
    writes.userTurnWaits(question(own));
    writes.after(() -> {
      written.add("partial");
      return Future.succeededFuture();
    });
    own.get(0).complete();
    UserTurn[] taken = {question(own)};
    writes.answer(answer(taken));
    assertEquals(List.of("question alone", "partial", "answer"), written);
    assertNull(taken[0], "the question is stored already");
  }

  @Test
  void aQuestionWhoseOwnWriteFailedGoesWithTheAnswerQueuedMeanwhile() {
    SessionJournal.Writes writes = new SessionJournal.Writes(true);
    List<Promise<Void>> own = new ArrayList<>();
    UserTurn q = question(own);
    writes.userTurnWaits(q);
    writes.storeUserTurn();
    UserTurn[] taken = {null};
    writes.answer(answer(taken));
    own.get(0).fail("store down");
    assertEquals(List.of("question alone", "answer"), written);
    assertSame(q, taken[0], "an answer is never stored without its question");
  }

  @Test
  void theWaitEndingWhileTheAnswerIsQueuedLeavesTheQuestionToTheAnswer() {
    SessionJournal.Writes writes = new SessionJournal.Writes(true);
    Promise<Void> before = Promise.promise();
    writes.after(() -> before.future());
    List<Promise<Void>> own = new ArrayList<>();
    UserTurn q = question(own);
    writes.userTurnWaits(q);
    UserTurn[] taken = {null};
    writes.answer(answer(taken));
    writes.storeUserTurn();
    before.complete();
    assertEquals(List.of("answer"), written, "the question is not stored after its answer");
    assertSame(q, taken[0]);
  }
}
