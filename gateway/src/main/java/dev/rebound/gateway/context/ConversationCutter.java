package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rebound.gateway.wire.RequestLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Decides which messages of a conversation to send so that it fits a token budget, as a pure function of the
 * messages and their counts. It keeps the system prompt, pinned messages and the newest turns, and gives up the
 * oldest whole turns first; a tool call and its results are one unit that is kept or dropped whole, in every format
 * (its {@link RequestLayout} says how calls and results pair).
 *
 * <p>Order of giving up: (1) whole turns older than the newest {@code keepRecentTurns}, oldest first; (2) inside the
 * recent turns, their oldest tool exchanges (a long agent loop), so each recent turn keeps its question and its final
 * unit; (3) whole recent turns but the last, oldest first. The last turn's question and final unit are never given up.
 * A turn is a user message (not a mere tool result) and all that follows it up to the next one.
 */
public final class ConversationCutter {
  /** Said first when the cut leaves an assistant message first, in a format that does not accept that (Anthropic). */
  static final String OMITTED = "[Earlier conversation omitted by Rebound to fit the context window.]";
  static final int OMITTED_TOKENS = 20;

  /**
   * @param kept    indexes of the messages to send, in order
   * @param dropped indexes of the messages given up, in order
   * @param fits    whether the kept messages fit the budget (false: even the least that must be kept is too big)
   * @param needsLeadingUser the conversation would start with an assistant message where the format needs a user one:
   *                         put {@link #OMITTED} first
   */
  public record Cut(List<Integer> kept, List<Integer> dropped, int tokensBefore, int tokensAfter, boolean fits,
                    boolean needsLeadingUser) {
    public boolean changed() {
      return !dropped.isEmpty();
    }
  }

  /**
   * @param protect  messages that are never given up (pinned, the first user message when configured); system
   *                 messages are always protected
   */
  public static Cut cut(RequestLayout layout, JsonNode messages, int[] tokens, int fixed, int budget, int keepRecentTurns,
      IntPredicate protect) {
    int n = tokens.length;
    long total = fixed;
    for (int t : tokens) total += t;
    int before = (int) Math.min(Integer.MAX_VALUE, total);
    if (total <= budget) return new Cut(range(n), List.of(), before, before, true, false);
    // a cut may need a leading user note: leave room for it
    int target = layout.startsWithUser() ? budget - OMITTED_TOKENS : budget;

    boolean[] keep = new boolean[n];
    java.util.Arrays.fill(keep, true);
    boolean[] fixedMsg = new boolean[n];
    String[] roles = new String[n];
    for (int i = 0; i < n; i++) {
      JsonNode m = messages.get(i);
      roles[i] = m.path("role").asText();
      fixedMsg[i] = roles[i].equals("system") || roles[i].equals("developer") || protect.test(i);
    }
    int[] unitEnd = unitEnds(layout, messages);
    // units: [start, end] ranges; a unit with a protected message is kept whole
    List<int[]> units = new ArrayList<>();
    for (int i = 0; i < n; ) {
      int end = unitEnd[i];
      units.add(new int[] {i, end});
      i = end + 1;
    }
    List<List<int[]>> turns = new ArrayList<>();
    List<int[]> current = new ArrayList<>();
    for (int[] u : units) {
      if (startsTurn(layout, messages.get(u[0]), roles[u[0]]) && !current.isEmpty()) {
        turns.add(current);
        current = new ArrayList<>();
      }
      current.add(u);
    }
    if (!current.isEmpty()) turns.add(current);

    int last = turns.size() - 1;
    int firstRecent = Math.max(0, turns.size() - Math.max(1, keepRecentTurns));
    // (1) whole turns older than the recent ones, oldest first
    for (int t = 0; t < firstRecent && total > target; t++) {
      for (int[] u : turns.get(t)) total -= drop(u, keep, fixedMsg, tokens);
    }
    // (2) inside the recent turns, their oldest tool exchanges: each turn keeps its question and its final unit
    for (int t = firstRecent; t <= last && total > target; t++) {
      List<int[]> turn = turns.get(t);
      for (int k = 1; k < turn.size() - 1 && total > target; k++) total -= drop(turn.get(k), keep, fixedMsg, tokens);
    }
    // (3) whole recent turns but the last, oldest first
    for (int t = firstRecent; t < last && total > target; t++) {
      for (int[] u : turns.get(t)) total -= drop(u, keep, fixedMsg, tokens);
    }

    List<Integer> kept = new ArrayList<>();
    List<Integer> dropped = new ArrayList<>();
    for (int i = 0; i < n; i++) (keep[i] ? kept : dropped).add(i);
    boolean leadingUser = false;
    if (layout.startsWithUser() && !dropped.isEmpty()) {
      for (int i : kept) {
        if (roles[i].equals("system")) continue;
        leadingUser = !roles[i].equals("user");
        break;
      }
      if (leadingUser) total += OMITTED_TOKENS;
    }
    int after = (int) Math.min(Integer.MAX_VALUE, total);
    return new Cut(kept, dropped, before, after, total <= budget, leadingUser);
  }

  /** Drops a whole unit unless it holds a protected message; returns the tokens freed. */
  private static long drop(int[] unit, boolean[] keep, boolean[] fixedMsg, int[] tokens) {
    for (int i = unit[0]; i <= unit[1]; i++) if (fixedMsg[i] || !keep[i]) return 0;
    long freed = 0;
    for (int i = unit[0]; i <= unit[1]; i++) {
      keep[i] = false;
      freed += tokens[i];
    }
    return freed;
  }

  /** A user message that is more than a tool result opens a turn. */
  private static boolean startsTurn(RequestLayout layout, JsonNode m, String role) {
    return role.equals("user") && layout.opensTurn(m);
  }

  /**
   * For each message the last index of the unit it starts: a message that makes tool calls reaches to the last
   * message answering one of them; overlapping reaches merge, so units are contiguous and never split a pair.
   */
  static int[] unitEnds(RequestLayout layout, JsonNode messages) {
    int n = messages.size();
    Map<String, Integer> callAt = new HashMap<>();
    int[] reach = new int[n];
    for (int i = 0; i < n; i++) {
      reach[i] = i;
      JsonNode m = messages.get(i);
      for (String id : layout.toolCallIds(m)) callAt.put(id, i);
      for (String id : layout.toolResultIds(m)) {
        Integer at = callAt.get(id);
        if (at != null && at < i) reach[at] = Math.max(reach[at], i);
      }
      // a message that answers the one before it without ids (OpenAI's legacy function calling)
      if (i > 0 && layout.answersPrevious(messages.get(i - 1), m)) {
        reach[i - 1] = Math.max(reach[i - 1], i);
      }
    }
    int[] end = new int[n];
    for (int i = 0; i < n; ) {
      int e = reach[i];
      for (int j = i; j <= e; j++) e = Math.max(e, reach[j]);
      for (int j = i; j <= e; j++) end[j] = e;
      i = e + 1;
    }
    return end;
  }

  private static List<Integer> range(int n) {
    List<Integer> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) all.add(i);
    return all;
  }

  private ConversationCutter() {}
}
