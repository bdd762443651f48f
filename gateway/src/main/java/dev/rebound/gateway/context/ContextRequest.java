package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.ContextConfig;
import dev.rebound.gateway.wire.WireFormat;
import java.util.HashMap;
import java.util.Map;

/**
 * One client request as the context step sees it: the whole conversation (after a resume prepended the stored
 * history) and its token counts per tokenizer, each computed once.
 */
public final class ContextRequest {
  /** Text that pins a message: it is never cut, wherever it stands. */
  public static final String PIN_MARKER = "[x-rebound-pin]";

  private final WireFormat format;
  private final ObjectNode json;
  private final String proxyKey;
  private final Map<Integer, PromptCount> counts = new HashMap<>(2);
  private boolean[] pinned;

  private final int bodyBytes;
  private final ContentDigests digests;

  /** A request no step has hashed yet (a benchmark's, a summary's). */
  public ContextRequest(WireFormat format, ObjectNode json, String proxyKey, int bodyBytes) {
    this(format, json, proxyKey, bodyBytes, new ContentDigests());
  }

  /**
   * @param bodyBytes the size of the request body, which decides whether counting leaves the event loop
   * @param digests   the request's content hashes, which the session step may have computed already
   */
  public ContextRequest(WireFormat format, ObjectNode json, String proxyKey, int bodyBytes, ContentDigests digests) {
    this.format = format;
    this.json = json;
    this.proxyKey = proxyKey;
    this.bodyBytes = bodyBytes;
    this.digests = digests;
  }

  int bodyBytes() {
    return bodyBytes;
  }

  /** The client's wire format, whose layout says how its conversation is cut. */
  public WireFormat format() {
    return format;
  }

  /** The conversation as the client (or a resume) would have it sent. */
  public ObjectNode json() {
    return json;
  }

  /** The key the client used; the summarizer's own request goes through Rebound under the same tenant. */
  public String proxyKey() {
    return proxyKey;
  }

  public synchronized PromptCount count(TokenCounter counter, Tokenizer t) {
    return counts.computeIfAbsent(key(t), k -> counter.count(format.layout(), json, t, digests));
  }

  synchronized boolean counted(Tokenizer t) {
    return counts.containsKey(key(t));
  }

  private static int key(Tokenizer t) {
    return t.id() * 1000 + (int) Math.round(t.factor() * 100);
  }

  /** Messages never cut: the pin marker, a configured pin rule, the first user message when so configured. */
  boolean[] pinned(ContextConfig config) {
    if (pinned != null) return pinned;
    JsonNode messages = format.layout().conversation(json);
    boolean[] p = new boolean[messages.size()];
    boolean firstUserSeen = false;
    for (int i = 0; i < p.length; i++) {
      JsonNode m = messages.get(i);
      String role = m.path("role").asText();
      String text = Transcript.text(m.get("content"));
      if (text.contains(PIN_MARKER)) p[i] = true;
      for (ContextConfig.PinRule rule : config.pin()) {
        if ((rule.role() == null || rule.role().equals(role)) && rule.regex().matcher(text).find()) p[i] = true;
      }
      if (role.equals("user") && !firstUserSeen && !Transcript.onlyToolResults(m)) {
        firstUserSeen = true;
        if (config.keepFirstUserMessage()) p[i] = true;
      }
    }
    pinned = p;
    return p;
  }
}
