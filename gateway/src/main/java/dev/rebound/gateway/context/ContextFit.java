package dev.rebound.gateway.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.ContextConfig;
import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.failure.Failure;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.routing.AgentDefinition;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a conversation fit the agent it is about to be sent to, by the policy in force: before sending when the count
 * says it will not fit (pre-flight), and again when the upstream says it did not (its limit and its own count size the
 * next cut, since an estimate may be low). It never changes stored history: it only decides what goes upstream.
 */
public final class ContextFit {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Tokens kept free besides the output reserve: providers add a few tokens of formatting we cannot see. */
  static final int SLACK = 16;
  /** The smallest answer worth asking for when lowering max_tokens. */
  static final int MIN_OUTPUT = 256;

  /** What to do for one attempt. */
  public sealed interface Decision {}

  /**
   * Send this body. {@code json}/{@code body} null: the request goes as it is. {@code report} null: nothing changed.
   *
   * @param promptTokens this gateway's count of the prompt sent (what a later overflow error is compared with)
   * @param maxTokens    the max_tokens sent (null when none)
   * @param sources      when the messages were cut: for each message sent, the index of the request's message it is,
   *                     or -1 for one the gateway wrote (a summary, a placeholder); null when the messages are the
   *                     request's own
   */
  public record Send(ObjectNode json, Buffer body, ContextReport report, int promptTokens, Integer maxTokens,
                     Map<String, Object> details, int[] sources) implements Decision {
    public boolean unchanged() {
      return json == null;
    }
  }

  /** This agent's window cannot take the conversation; another agent of the plan can (larger-window). */
  public record MoveOn(String reason) implements Decision {}

  /** Nothing can be sent: the policy is fail, or even what must be kept does not fit any agent. */
  public record Refuse(Failure failure, String reason) implements Decision {}

  /** Bodies above this are counted on a worker thread when their count is not known yet. */
  static final int OFFLOAD_BYTES = 64 * 1024;

  private final io.vertx.core.Vertx vertx;
  private final ContextConfig config;
  private final TokenCounter counter;
  private final ContextWindows windows;
  private final Summarizer summarizer;

  /** @param vertx null counts on the caller's thread (tests, the bench) */
  public ContextFit(io.vertx.core.Vertx vertx, ContextConfig config, TokenCounter counter, ContextWindows windows,
      Summarizer summarizer) {
    this.vertx = vertx;
    this.config = config;
    this.counter = counter;
    this.windows = windows;
    this.summarizer = summarizer;
  }

  public ContextWindows windows() {
    return windows;
  }

  public TokenCounter counter() {
    return counter;
  }

  public boolean canSummarize() {
    return summarizer != null;
  }

  /** Before the first attempt on an agent: fit the count against the agent's window. */
  public Future<Decision> preflight(ContextRequest r, OnOverflow policy, AgentDefinition agent, List<AgentDefinition> later) {
    ContextWindows.Window w = windows.of(agent);
    if (w.window() <= 0) {
      // nothing to fit against; the count is still what a later overflow error is compared with
      return count(r, agent).map(c -> unchanged(c.total(), c.maxTokens()));
    }
    return count(r, agent).compose(count -> preflight(r, policy, agent, later, w, count));
  }

  /**
   * The request's count for an agent's tokenizer. A large body not counted yet is counted on a worker thread:
   * tokenizing a few hundred thousand tokens takes tens of milliseconds the event loop owes to other requests.
   */
  public Future<PromptCount> count(ContextRequest r, AgentDefinition agent) {
    return count(r, counter.tokenizers().forModel(agent.model()));
  }

  public Future<PromptCount> count(ContextRequest r, Tokenizer t) {
    if (r.counted(t) || vertx == null || r.bodyBytes() < OFFLOAD_BYTES) return Future.succeededFuture(r.count(counter, t));
    return vertx.executeBlocking(() -> r.count(counter, t), false);
  }

  private Future<Decision> preflight(ContextRequest r, OnOverflow policy, AgentDefinition agent, List<AgentDefinition> later,
      ContextWindows.Window w, PromptCount count) {
    int prompt = count.total();
    Integer clientMax = count.maxTokens();
    double ratio = windows.underestimate(agent);
    int reserve = reserve(agent);
    int out = clientMax != null ? clientMax : reserve;
    int promptRoom = promptRoom(w, out);
    if (upstream(prompt, ratio) <= promptRoom) return Future.succeededFuture(unchanged(prompt, clientMax));
    // the prompt fits with a smaller answer: the output is what does not fit
    if (clientMax != null && fitsPrompt(w, prompt, ratio)) {
      int room = w.window() - upstream(prompt, ratio) - SLACK;
      if (room >= Math.min(clientMax, Math.max(MIN_OUTPUT, Math.min(reserve, clientMax)))) {
        return Future.succeededFuture(lowered(r, prompt, clientMax, room, "pre-flight", w, agent));
      }
    }
    return overflow(r, policy, agent, later, w, ratio, count, "pre-flight");
  }

  /**
   * After the upstream answered CONTEXT_OVERFLOW or OUTPUT_LIMIT for what was sent. Null when the context step has
   * nothing better to offer (the failure then takes its usual course).
   *
   * @param tries how many times this agent already overflowed in this request (1 for the first)
   */
  public Future<Decision> afterOverflow(ContextRequest r, OnOverflow policy, AgentDefinition agent, Failure f, Send sent,
      int tries, List<AgentDefinition> later) {
    if (policy == OnOverflow.FAIL) return Future.succeededFuture(null);
    PromptCount count = r.count(counter, counter.tokenizers().forModel(agent.model()));
    if (f.contextLimit() != null) windows.learnedWindow(agent, f.contextLimit());
    ContextWindows.Window w = windows.of(agent);
    Integer upstreamPrompt = f.promptTokens();
    if (upstreamPrompt == null && f.requestedTokens() != null) {
      upstreamPrompt = sent.maxTokens() != null && f.requestedTokens() > sent.maxTokens() && f.kind() == FailureKind.OUTPUT_LIMIT
          ? f.requestedTokens() - sent.maxTokens() : f.kind() == FailureKind.CONTEXT_OVERFLOW && sent.maxTokens() == null
          ? f.requestedTokens() : null;
    }
    double ratio = windows.underestimate(agent);
    if (upstreamPrompt != null && sent.promptTokens() > 0) {
      double seen = (double) upstreamPrompt / sent.promptTokens();
      if (seen > ratio) {
        ratio = seen;
        windows.learnedUnderestimate(agent, seen);
      }
    } else {
      // no count in the error: the estimate was low by an unknown amount; assume more each time
      ratio = Math.max(ratio, 1.0) * Math.pow(1.25, tries);
    }
    int window = w.window() > 0 ? w.window() : (int) Math.min(Integer.MAX_VALUE, (long) (sent.promptTokens() * ratio * 0.9));
    ContextWindows.Window effective = new ContextWindows.Window(window, w.promptLimit(), w.source());
    if (f.kind() == FailureKind.OUTPUT_LIMIT && sent.maxTokens() != null) {
      int used = upstreamPrompt != null ? upstreamPrompt : upstream(sent.promptTokens(), ratio);
      int room = window - used - SLACK;
      if (room >= Math.min(MIN_OUTPUT, sent.maxTokens()) && room < sent.maxTokens()) {
        Integer clientMax = count.maxTokens();
        if (sent.unchanged()) return Future.succeededFuture(lowered(r, count.total(), clientMax, room, "upstream overflow", effective, agent));
        ObjectNode json = sent.json().deepCopy();
        r.format().layout().setMaxTokens(json, room);
        ContextReport rep = sent.report();
        ContextReport report = new ContextReport(rep == null ? "max-tokens-lowered" : rep.action(), count.total(),
            sent.promptTokens(), rep == null ? 0 : rep.dropped(), rep == null ? 0 : rep.summarized(), clientMax, room, "upstream overflow");
        return Future.succeededFuture(new Send(json, bytes(json), report, sent.promptTokens(), room,
            details(agent, effective, ratio, "the upstream has room for " + room + " output tokens"), sent.sources()));
      }
    }
    // each further overflow on the same agent cuts deeper than the numbers alone say
    double shrink = Math.pow(0.92, Math.max(0, tries - 1));
    // the same request again would earn the same error: by this count it fits, so the upstream's verdict stands
    return overflow(r, policy, agent, later, effective, ratio / shrink, count, "upstream overflow")
        .map(d -> d instanceof Send s && s.unchanged() ? null : d);
  }

  /** The conversation does not fit this agent: apply the policy. */
  private Future<Decision> overflow(ContextRequest r, OnOverflow policy, AgentDefinition agent, List<AgentDefinition> later,
      ContextWindows.Window w, double ratio, PromptCount count, String trigger) {
    int prompt = count.total();
    boolean reactive = !trigger.equals("pre-flight");
    // an estimate (a family factor, no learned correction) may be high: then the upstream is the judge, not us
    boolean certain = count.tokenizer().exact() || ratio > 1.0;
    if (policy == OnOverflow.FAIL) {
      if (!certain) return Future.succeededFuture(unchanged(prompt, count.maxTokens()));
      return Future.succeededFuture(new Refuse(overflowFailure(w, upstream(prompt, ratio)),
          "context.onOverflow is fail: " + prompt + " tokens do not fit " + agent.name() + "'s " + w.window() + "-token window"));
    }
    AgentDefinition larger = policy == OnOverflow.LARGER_WINDOW ? firstFitting(later, count) : null;
    if (larger != null) {
      return Future.succeededFuture(new MoveOn(agent.name() + "'s " + w.window() + "-token window is too small for "
          + upstream(prompt, ratio) + " tokens; " + larger.name() + " (" + windows.of(larger).window()
          + " tokens) takes the whole conversation"));
    }
    String note = policy == OnOverflow.LARGER_WINDOW ? "no agent of the plan has a window for " + prompt + " tokens; truncating instead" : null;
    int reserve = reserve(agent);
    Integer clientMax = count.maxTokens();
    int outKept = clientMax != null ? Math.min(clientMax, reserve) : reserve;
    int budget = (int) Math.floor(promptRoom(w, outKept) / ratio);
    boolean summarize = policy == OnOverflow.SUMMARIZE && summarizer != null;
    int summaryRoom = summarize ? summarizer.maxTokens() + TokenCounter.PER_MESSAGE + 40 : 0;
    boolean[] pinned = r.pinned(config);
    JsonNode messages = r.format().layout().conversation(r.json());
    ConversationCutter.Cut cut = ConversationCutter.cut(r.format().layout(), messages, count.messages(), count.fixed(),
        budget - summaryRoom, config.keepRecentTurns(), i -> pinned[i]);
    if (cut.fits() && !cut.changed()) {
      // it fits once the answer's room is the reserve rather than the client's max_tokens
      if (clientMax == null) return Future.succeededFuture(unchanged(prompt, null));
      int room = w.window() - upstream(prompt, ratio) - SLACK;
      return Future.succeededFuture(lowered(r, prompt, clientMax, Math.min(clientMax, room), trigger, w, agent));
    }
    if (!cut.fits()) {
      // with room for a summary it may not fit, without one it might: plain truncation is the fallback anyway
      if (summarize) {
        ConversationCutter.Cut plain = ConversationCutter.cut(r.format().layout(), messages, count.messages(), count.fixed(),
            budget, config.keepRecentTurns(), i -> pinned[i]);
        if (plain.fits()) return Future.succeededFuture(truncated(r, agent, w, ratio, count, plain, trigger, note));
      }
      AgentDefinition any = firstFitting(later, count);
      if (any != null) {
        return Future.succeededFuture(new MoveOn("even the newest turn (" + cut.tokensAfter() + " tokens) does not fit "
            + agent.name() + "'s " + w.window() + "-token window; " + any.name() + " has room"));
      }
      String why = "the system prompt, pinned messages and the newest turn alone take " + cut.tokensAfter()
          + " tokens, more than " + agent.name() + "'s " + w.window() + "-token window leaves for the prompt";
      // after the upstream's own verdict there is nothing smaller to send: its error goes back to the client
      if (reactive) return Future.succeededFuture(null);
      if (certain) return Future.succeededFuture(new Refuse(overflowFailure(w, upstream(cut.tokensAfter(), ratio)), why));
      if (!cut.changed()) return Future.succeededFuture(unchanged(prompt, count.maxTokens()));
      return Future.succeededFuture(truncated(r, agent, w, ratio, count, cut, trigger, why + " by this gateway's estimate; the upstream decides"));
    }
    if (!summarize) return Future.succeededFuture(truncated(r, agent, w, ratio, count, cut, trigger, note));
    List<JsonNode> dropped = new ArrayList<>();
    for (int i : cut.dropped()) dropped.add(messages.get(i));
    return summarizer.summarize(dropped, r.proxyKey())
        .<Decision>map(summary -> summarized(r, agent, w, ratio, count, cut, summary, trigger))
        .recover(err -> {
          ConversationCutter.Cut plain = ConversationCutter.cut(r.format().layout(), messages, count.messages(), count.fixed(),
              budget, config.keepRecentTurns(), i -> pinned[i]);
          Send s = truncated(r, agent, w, ratio, count, plain, trigger,
              "the summarizer (" + summarizer.agentName() + ") failed: " + err.getMessage() + "; truncated instead");
          s.details().put("summarizerFailed", String.valueOf(err.getMessage()));
          return Future.succeededFuture(s);
        });
  }

  private Send truncated(ContextRequest r, AgentDefinition agent, ContextWindows.Window w, double ratio,
      PromptCount count, ConversationCutter.Cut cut, String trigger, String note) {
    JsonNode messages = r.format().layout().conversation(r.json());
    ArrayNode kept = JSON.createArrayNode();
    int[] sources = new int[cut.kept().size() + (cut.needsLeadingUser() ? 1 : 0)];
    int j = 0;
    if (cut.needsLeadingUser()) {
      kept.addObject().put("role", "user").put("content", ConversationCutter.OMITTED);
      sources[j++] = -1;
    }
    for (int i : cut.kept()) {
      kept.add(messages.get(i));
      sources[j++] = i;
    }
    return build(r, agent, w, ratio, count, kept, sources, cut.tokensAfter(), cut.dropped().size(), 0, "truncated",
        trigger, note);
  }

  private Send summarized(ContextRequest r, AgentDefinition agent, ContextWindows.Window w, double ratio,
      PromptCount count, ConversationCutter.Cut cut, String summary, String trigger) {
    JsonNode messages = r.format().layout().conversation(r.json());
    ArrayNode out = JSON.createArrayNode();
    String text = "Summary of the " + cut.dropped().size() + " earlier message(s) of this conversation, written by "
        + summarizer.agentName() + " because the whole conversation does not fit the context window:\n\n" + summary;
    ObjectNode summaryMessage = JSON.createObjectNode().put("role", "user").put("content", text);
    int firstDropped = cut.dropped().get(0);
    boolean placed = false;
    int[] sources = new int[cut.kept().size() + 1];
    int j = 0;
    for (int i : cut.kept()) {
      if (!placed && i > firstDropped) {
        out.add(summaryMessage);
        sources[j++] = -1;
        placed = true;
      }
      out.add(messages.get(i));
      sources[j++] = i;
    }
    if (!placed) {
      out.add(summaryMessage);
      sources[j] = -1;
    }
    int summaryTokens = counter.message(summaryMessage, counter.tokenizers().forModel(agent.model()));
    int after = cut.tokensAfter() - (cut.needsLeadingUser() ? ConversationCutter.OMITTED_TOKENS : 0) + summaryTokens;
    return build(r, agent, w, ratio, count, out, sources, after, cut.dropped().size(), cut.dropped().size(),
        "summarized", trigger, null);
  }

  /** The request with these messages, and max_tokens lowered when the client's would not fit beside them. */
  private Send build(ContextRequest r, AgentDefinition agent, ContextWindows.Window w, double ratio, PromptCount count,
      ArrayNode messages, int[] sources, int after, int dropped, int summarized, String action, String trigger,
      String note) {
    ObjectNode json = shallowCopy(r.json());
    r.format().layout().setConversation(json, messages);
    Integer clientMax = count.maxTokens();
    Integer maxSent = clientMax;
    Integer lowered = null;
    if (clientMax != null) {
      int room = w.window() - upstream(after, ratio) - SLACK;
      // never below MIN_OUTPUT: a 1-token answer ends with max_tokens and the client asks again, forever (Claude Code
      // did); when even that does not fit by this estimate, the upstream's own verdict is the better answer
      int floor = Math.min(clientMax, MIN_OUTPUT);
      if (clientMax > room && Math.max(floor, room) < clientMax) {
        lowered = Math.max(floor, room);
        maxSent = lowered;
        r.format().layout().setMaxTokens(json, lowered);
      }
    }
    ContextReport report = new ContextReport(action, count.total(), after, dropped, summarized,
        lowered == null ? null : clientMax, lowered, trigger);
    Map<String, Object> details = details(agent, w, ratio, note);
    return new Send(json, bytes(json), report, after, maxSent, details, sources);
  }

  private Send lowered(ContextRequest r, int prompt, Integer clientMax, int room, String trigger, ContextWindows.Window w,
      AgentDefinition agent) {
    ObjectNode json = shallowCopy(r.json());
    r.format().layout().setMaxTokens(json, room);
    ContextReport report = new ContextReport("max-tokens-lowered", prompt, prompt, 0, 0, clientMax, room, trigger);
    return new Send(json, bytes(json), report, prompt, room,
        details(agent, w, windows.underestimate(agent), "the prompt fits; the answer gets the " + room + " tokens left"), null);
  }

  private Send unchanged(int prompt, Integer maxTokens) {
    return new Send(null, null, null, prompt, maxTokens, Map.of(), null);
  }

  /** The first later agent whose known window takes the whole conversation with its output reserve. */
  private AgentDefinition firstFitting(List<AgentDefinition> later, PromptCount countForFirst) {
    for (AgentDefinition a : later) {
      ContextWindows.Window w = windows.of(a);
      if (w.window() <= 0) continue;
      Tokenizer t = counter.tokenizers().forModel(a.model());
      int prompt = t.equals(countForFirst.tokenizer()) ? countForFirst.total() : estimateWith(countForFirst, t);
      int out = countForFirst.maxTokens() != null ? Math.min(countForFirst.maxTokens(), reserve(a)) : reserve(a);
      if (upstream(prompt, windows.underestimate(a)) <= promptRoom(w, out)) return a;
    }
    return null;
  }

  /** Another family's count, scaled from this one's by the ratio of the families' factors. */
  private static int estimateWith(PromptCount c, Tokenizer other) {
    return (int) Math.ceil(c.total() * other.factor() / c.tokenizer().factor());
  }

  /** Room kept for the answer when the client sets no max_tokens: the configured reserve, at most half the window. */
  private int reserve(AgentDefinition agent) {
    int reserve = config.reserveOutputTokens();
    int cap = windows.maxOutput(agent);
    if (cap > 0) reserve = Math.min(reserve, cap);
    int window = windows.of(agent).window();
    return window > 0 ? Math.min(reserve, window / 2) : reserve;
  }

  private static int promptRoom(ContextWindows.Window w, int out) {
    int room = w.window() - out - SLACK;
    return w.promptLimit() > 0 ? Math.min(room, w.promptLimit() - SLACK) : room;
  }

  private static boolean fitsPrompt(ContextWindows.Window w, int prompt, double ratio) {
    int p = upstream(prompt, ratio);
    return w.promptLimit() <= 0 || p <= w.promptLimit() - SLACK;
  }

  /** Our count as the upstream is expected to count it. */
  private static int upstream(int ours, double ratio) {
    return (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(ours * ratio));
  }

  private static Failure overflowFailure(ContextWindows.Window w, int tokens) {
    return new Failure(FailureKind.CONTEXT_OVERFLOW, null, w.window(), tokens, tokens, null,
        "This model's maximum context length is " + w.window() + " tokens. However, your messages resulted in " + tokens + " tokens.");
  }

  /** Straight to UTF-8 bytes: no intermediate String for a body of a few hundred kilobytes. */
  private static Buffer bytes(ObjectNode json) {
    try {
      // wrapped, not copied: Buffer.buffer(byte[]) would copy the whole fitted conversation once more
      return BufferInternal.buffer(Unpooled.wrappedBuffer(JSON.writeValueAsBytes(json)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a parsed request cannot fail to serialize", e);
    }
  }

  /** A new top-level object sharing the client's values: the messages array is replaced, nothing else is copied. */
  private static ObjectNode shallowCopy(ObjectNode json) {
    ObjectNode copy = JSON.createObjectNode();
    json.fields().forEachRemaining(e -> copy.set(e.getKey(), e.getValue()));
    return copy;
  }

  private static Map<String, Object> details(AgentDefinition agent, ContextWindows.Window w, double ratio, String note) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("agent", agent.name());
    d.put("window", w.window());
    d.put("windowSource", w.source());
    if (ratio > 1.0) d.put("underestimate", Math.round(ratio * 100) / 100.0);
    if (note != null) d.put("note", note);
    return d;
  }
}
