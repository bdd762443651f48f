package dev.rebound.gateway.routes;

import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.sessions.SessionEventRecorder;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.SessionEvent;
import dev.rebound.store.SessionKey;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Feedback on an answer, from the admin API ({@code POST /admin/feedback}), from a client's {@code x-rebound-feedback}
 * header on its next request, or from a client that asks the same question again (a mild negative,
 * {@code routing.outcomes.regenerateScore}). The answer is found in the session's events: the event of the stored
 * assistant turn names its turn, agent, kind of task and the id the client got; the vote goes to that agent on that
 * task ({@link OutcomeBoard#feedback}, shared with the other gateways when the store is Redis) and is itself a
 * {@code feedback} event of the session, so it is stored with the session's decisions in either store and shown in /ui.
 */
public final class TurnFeedback {
  /** The header a client votes with on the answer to its previous turn. */
  public static final String HEADER = "x-rebound-feedback";
  /** Longest note kept with a vote. */
  public static final int MAX_NOTE = 1000;
  /** Events read per store call while looking for a turn. */
  static final int PAGE = 1000;

  /** Where a vote came from. */
  public enum Source {
    ADMIN("admin"), HEADER("header"), REGENERATE("regenerate");

    private final String id;

    Source(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }
  }

  /** The stored answer a vote is about; {@code thread}: the thread of the session it is in, null for the main one. */
  public record Answer(int turn, String thread, String agent, String task, String responseId) {}

  /** No stored answer matches what the vote names (or the session does not exist). */
  public static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message, null, false, false);
    }
  }

  private final OutcomeBoard board;
  private final Supplier<CheckpointStore> store;
  private final SessionEventRecorder recorder;
  private final EventSink events;
  private final Clock clock;

  /** @param recorder the writer of session events: a search first writes the session's events not written yet */
  public TurnFeedback(OutcomeBoard board, Supplier<CheckpointStore> store, SessionEventRecorder recorder,
      EventSink events, Clock clock) {
    this.board = board;
    this.store = store;
    this.recorder = recorder;
    this.events = events;
    this.clock = clock;
  }

  /**
   * The vote a header carries: -1, 0 or +1 (or any number in [-1, 1]); null when the header is absent.
   *
   * @throws IllegalArgumentException saying what the header must be
   */
  public static Double headerScore(String value) {
    if (value == null) return null;
    String v = value.strip();
    try {
      double d = Double.parseDouble(v.startsWith("+") ? v.substring(1) : v);
      if (d >= -1 && d <= 1 && !v.isEmpty() && Character.isDigit(v.charAt(v.length() - 1))) return d;
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(HEADER + " must be a number from -1 to 1 (-1: the previous answer was bad, "
        + "+1: it was good), but was '" + (v.length() > 32 ? v.substring(0, 32) + "..." : v) + "'");
  }

  /**
   * A vote on one stored answer of the session, named by its turn or by the id the client got for it. Fails with
   * {@link NotFound} when the session has no such answer, or the store's failure.
   *
   * @param key    the session whose events are searched (a thread's events are its session's)
   * @param thread the thread of the session the turn is in; null for the session's main one
   */
  public Future<Answer> vote(SessionKey key, String thread, Integer turn, String responseId, double score, String note,
      Source source, String requestId) {
    return find(key, thread, turn, responseId).compose(answer -> {
      board.feedback(answer.agent(), answer.task(), score);
      double now = board.score(answer.agent(), answer.task());
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("turn", answer.turn());
      if (answer.thread() != null) fields.put("thread", answer.thread());
      fields.put("score", score);
      fields.put("source", source.id());
      fields.put("agent", answer.agent());
      fields.put("task", answer.task());
      if (answer.responseId() != null) fields.put("responseId", answer.responseId());
      if (note != null) fields.put("note", note);
      fields.put("performance", now);
      String why = String.format(Locale.ROOT, "feedback %+.2f on turn %d (%s) from %s: agent %s on %s now scores %+.2f"
          + " from its outcomes and votes", score, answer.turn(), note == null ? "no note" : "\"" + shortNote(note) + "\"",
          switch (source) {
            case ADMIN -> "the admin API";
            case HEADER -> "the client's " + HEADER + " header";
            case REGENERATE -> "the client asking the same question again";
          }, answer.agent(), answer.task(), now);
      events.emit(new GatewayEvent(clock.instant(), EventType.FEEDBACK, key.tenant(), key.id(), why, fields,
          GatewayEvent.Severity.INFO, requestId));
      // stored before the vote is answered: whoever reads the session's events next, through any gateway, sees it
      return recorder.flush(key).map(answer);
    });
  }

  /**
   * What a model request says of the answer before it, once it is served (never delaying it): a header vote is on the
   * previous turn (the one asked again, when the request asks again); a question asked again without a header vote
   * is a mild negative on the answer it had.
   *
   * @param key         the session the request named (its events are written there)
   * @param bound       the session or thread the request's turn is in
   * @param turn        the request's turn in it
   * @param reasked     the request asks again a question the session has an answer to
   * @param headerScore the {@value #HEADER} vote; null when absent
   */
  public void afterTurn(SessionKey key, SessionKey bound, int turn, boolean reasked, Double headerScore,
      String requestId) {
    String thread = bound.equals(key) ? null : bound.id();
    if (headerScore != null) {
      int on = reasked ? turn : turn - 1;
      if (on < 1) {
        events.emit(new GatewayEvent(clock.instant(), EventType.FEEDBACK, key.tenant(), key.id(), HEADER
            + " on the first turn of the session: there is no earlier answer to vote on", Map.of("applied", false),
            GatewayEvent.Severity.INFO, requestId));
        return;
      }
      voteQuietly(key, thread, on, headerScore, Source.HEADER, requestId);
    } else if (reasked) {
      voteQuietly(key, thread, turn, board.config().regenerateScore(), Source.REGENERATE, requestId);
    }
  }

  private void voteQuietly(SessionKey key, String thread, int turn, double score, Source source, String requestId) {
    vote(key, thread, turn, null, score, null, source, requestId).onFailure(err -> events.emit(new GatewayEvent(clock.instant(),
        EventType.FEEDBACK, key.tenant(), key.id(), "feedback " + score + " on turn " + turn + " from " + source.id()
        + " not applied: " + err.getMessage(), Map.of("applied", false, "turn", turn, "source", source.id()),
        GatewayEvent.Severity.INFO, requestId)));
  }

  /** The newest stored answer of the turn (or with the response id) in the session's events. */
  private Future<Answer> find(SessionKey key, String thread, Integer turn, String responseId) {
    CheckpointStore s = store.get();
    if (s == null) return Future.failedFuture(new IllegalStateException("the session store is not open yet"));
    SessionKey asked = thread == null ? key : new SessionKey(key.tenant(), thread);
    return recorder.flush(key).compose(v -> s.meta(asked)).compose(meta -> {
      if (meta == null) {
        return Future.failedFuture(new NotFound("No session '" + asked.id() + "' for tenant '" + key.tenant() + "'."));
      }
      return scan(s, key, null, thread, turn, responseId, null);
    });
  }

  private Future<Answer> scan(CheckpointStore s, SessionKey key, String after, String thread, Integer turn,
      String responseId, Answer found) {
    return s.events(key, after, PAGE).compose(page -> {
      Answer last = found;
      for (SessionEvent e : page) {
        Answer a = answerOf(e);
        if (a == null) continue;
        if (turn != null ? a.turn() == turn && java.util.Objects.equals(a.thread(), thread)
            : responseId.equals(a.responseId())) {
          last = a;
        }
      }
      if (page.size() == PAGE) return scan(s, key, page.get(page.size() - 1).id(), thread, turn, responseId, last);
      if (last != null) return Future.succeededFuture(last);
      return Future.failedFuture(new NotFound("Session '" + (thread == null ? key.id() : thread) + "' has no stored answer "
          + (turn != null ? "of turn " + turn : "with id '" + responseId + "'") + " among its kept events."));
    });
  }

  /** The stored assistant turn an event records; null for any other event. */
  private static Answer answerOf(SessionEvent e) {
    if (!"checkpoint".equals(e.type()) || e.json() == null || !e.json().contains("\"turn\"")) return null;
    JsonObject d;
    try {
      d = new JsonObject(e.json());
    } catch (RuntimeException bad) {
      return null;
    }
    if (!(d.getValue("turn") instanceof Number n) || !(d.getValue("agent") instanceof String agent)) return null;
    return new Answer(n.intValue(), d.getString("thread"), agent, d.getString("task", "any"), d.getString("responseId"));
  }

  private static String shortNote(String note) {
    String oneLine = note.replaceAll("\\s+", " ").strip();
    return oneLine.length() > 80 ? oneLine.substring(0, 80) + "..." : oneLine;
  }
}
