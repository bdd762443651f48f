package dev.rebound.bench;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One closed loop's chat session for the {@code sessions-*} scenarios, as a real client keeps it: every request is
 * the history so far (each earlier user message and the assistant message exactly as it was answered) plus one new
 * user message, so the gateway sees each turn continue the stored session rather than fork it. After
 * {@code maxTurns} answered turns, or after any failed request (the gateway may have stored a turn the client never
 * saw), the next request starts a new session with a fresh id. Not thread-safe: one loop, one event-loop thread.
 *
 * <p>The user messages depend only on the turn number and mock-llm's answers only on the last user message, so the
 * direct (A) and gateway (B) targets send byte-identical bodies turn by turn; only the path differs
 * ({@code /s/<id>/v1/...} through the gateway bound to the session; the plain {@code /v1/...} direct and through the
 * gateway with sessions off, where the id only marks where one conversation ends and the next begins).
 */
public final class Conversation {
  /** The gateway's answer header naming the bound session: {@code <id>; turn=<n>}. */
  public static final String SESSION_HEADER = "x-rebound-session";
  /** Error kinds the load generator counts for a gateway answer whose session header is wrong. */
  public static final String HEADER_MISSING = "session-header-missing";
  public static final String HEADER_MISMATCH = "session-header-mismatch";
  /** A request sent without a session id was answered with a session header: it was bound to a session after all. */
  public static final String HEADER_UNEXPECTED = "session-header-unexpected";
  /** The answer was 200 but held no assistant message to carry into the next turn. */
  public static final String NO_ASSISTANT_MESSAGE = "session-no-assistant-message";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Protocol protocol;
  private final int maxTurns;
  private final Supplier<String> ids;
  private final List<String> messages = new ArrayList<>();
  private String sessionId;
  /** Turns answered in the current session. */
  private int turns;
  private String pendingUser;

  /** @param ids a fresh session id per session; {@link #randomIds()} in the bench */
  public Conversation(Protocol protocol, int maxTurns, Supplier<String> ids) {
    if (maxTurns < 1) throw new IllegalArgumentException("maxTurns must be at least 1, got " + maxTurns);
    this.protocol = protocol;
    this.maxTurns = maxTurns;
    this.ids = ids;
  }

  /** {@code bench-<random UUID>}: a valid gateway session id (letters, digits, '-'), unique per session. */
  public static Supplier<String> randomIds() {
    return () -> "bench-" + UUID.randomUUID();
  }

  /**
   * The body of the next request: the history plus a new user message. Starts a new session first when none is
   * open, the last one reached {@code maxTurns}, or it was abandoned by {@link #failed()}. Call {@link #answered} or
   * {@link #failed} before the next call.
   */
  public String nextBody() {
    if (sessionId == null || turns >= maxTurns) {
      sessionId = ids.get();
      turns = 0;
      messages.clear();
    }
    pendingUser = userMessage(turns + 1);
    List<String> all = new ArrayList<>(messages.size() + 1);
    all.addAll(messages);
    all.add(pendingUser);
    return protocol.body(false, all);
  }

  /** The session the pending request belongs to. */
  public String sessionId() {
    return sessionId;
  }

  /** The pending request's turn in its session, 1-based (what the gateway reports as {@code turn=}). */
  public int turn() {
    return turns + 1;
  }

  /**
   * The request path: {@code /s/<id>/v1/...} when the request is to be bound to its session (through the gateway,
   * sessions on), else the protocol's plain path (direct, or through the gateway with sessions off).
   */
  public String path(boolean bound) {
    return bound ? "/s/" + sessionId + protocol.path() : protocol.path();
  }

  /**
   * Records a 200 answer: the pending user message and the answer's assistant message join the history, so the next
   * request continues this session. The assistant message is taken the way the gateway stores it: OpenAI's
   * {@code choices[0].message} as answered, Anthropic's {@code {"role":"assistant","content":<content>}}.
   *
   * @return null when recorded; {@link #NO_ASSISTANT_MESSAGE} when the body held none (the session is then abandoned)
   */
  public String answered(byte[] responseBody) {
    String assistant = assistantMessage(protocol, responseBody);
    if (assistant == null || pendingUser == null) {
      failed();
      return NO_ASSISTANT_MESSAGE;
    }
    messages.add(pendingUser);
    messages.add(assistant);
    pendingUser = null;
    turns++;
    return null;
  }

  /** The pending request failed: the next request starts a new session. */
  public void failed() {
    pendingUser = null;
    sessionId = null;
  }

  /** Messages in the history (not counting a pending user message). */
  int historySize() {
    return messages.size();
  }

  /**
   * Checks the gateway's {@code x-rebound-session} answer header against the pending request.
   *
   * @return null when it names this session and turn; else {@link #HEADER_MISSING} or {@link #HEADER_MISMATCH}
   */
  public String checkSessionHeader(String header) {
    return sessionHeaderError(header, sessionId, turn());
  }

  /**
   * Checks the answer to a request sent without a session id (direct, or through the gateway with sessions off): it
   * must carry no {@code x-rebound-session} header.
   *
   * @return null when there is none; else {@link #HEADER_UNEXPECTED}
   */
  public static String checkNoSessionHeader(String header) {
    return header == null || header.isBlank() ? null : HEADER_UNEXPECTED;
  }

  static String sessionHeaderError(String header, String id, int turn) {
    if (header == null || header.isBlank()) return HEADER_MISSING;
    return header.trim().equals(id + "; turn=" + turn) ? null : HEADER_MISMATCH;
  }

  /** The turn's user message: short and fixed per turn number, so A and B send the same bytes. */
  static String userMessage(int turn) {
    return "{\"role\":\"user\",\"content\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(
        "Turn " + turn + " of the bench session: please go on")) + "\"}";
  }

  /** The assistant message of a whole (non-stream) answer, as the next request must repeat it; null if none. */
  static String assistantMessage(Protocol protocol, byte[] body) {
    try {
      JsonNode root = JSON.readTree(body);
      if (root == null) return null;
      if (protocol == Protocol.ANTHROPIC) {
        JsonNode content = root.get("content");
        if (content == null || content.isNull()) return null;
        ObjectNode m = JSON.createObjectNode().put("role", "assistant");
        m.set("content", content);
        return m.toString();
      }
      JsonNode message = root.path("choices").path(0).path("message");
      return message.isObject() ? message.toString() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
