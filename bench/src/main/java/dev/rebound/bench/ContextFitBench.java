package dev.rebound.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.OnOverflow;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.context.ContextFit;
import dev.rebound.gateway.context.ContextRequest;
import dev.rebound.gateway.context.ContextWindows;
import dev.rebound.gateway.context.TokenCounter;
import dev.rebound.gateway.context.Tokenizers;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.routing.AgentDefinition;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The context step's own cost, in-process and single-threaded: a 2,000-message conversation of about 200k tokens
 * (text turns and tool exchanges) fitted to a 128k window. Figures: the first count (nothing cached), the fit
 * decision plus truncation with the per-message counts cached (a session's next turn), and one message appended to
 * a cached conversation, with and without a cut. The body is parsed before the clock starts: the front door parses it
 * anyway; building the cut request's body is inside the figure.
 */
public final class ContextFitBench {
  static final int MESSAGES = 2_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG = """
      backends:
        - { name: b, protocol: openai, url: "https://bench.invalid", models: [ { name: gpt-4o, contextWindow: 128000 }, { name: gpt-4.1, contextWindow: 1000000 } ] }
      agents:
        - { name: window-128k, backend: b, model: gpt-4o }
        - { name: window-1m, backend: b, model: gpt-4.1 }
      routes:
        - { name: all, match: {}, agents: [window-128k] }
      """;

  /**
   * @param tokens           this gateway's count of the conversation
   * @param coldCountMs      counting it with nothing cached (median)
   * @param fitTruncateP50Ms the fit decision plus the cut to 128k, counts cached
   * @param appendP50Ms      one new message on the cached conversation, fits a 1M window: count + decision
   * @param appendCutP50Ms   one new message, and the cut to 128k
   */
  public record Result(int messages, int tokens, int keptMessages, double coldCountMs, double fitTruncateP50Ms,
                       double fitTruncateP99Ms, double appendP50Ms, double appendP99Ms, double appendCutP50Ms) {}

  private ContextFitBench() {}

  public static Result run(int iterations) {
    ReboundConfig config = new ConfigLoader(Map.of()).parse(CONFIG, "bench");
    Tokenizers tokenizers = new Tokenizers(List.of()).warmUp();
    AgentDefinition small = config.ruleSet().agent("window-128k");
    AgentDefinition large = config.ruleSet().agent("window-1m");
    ObjectNode body = conversation(MESSAGES);
    int bytes = body.toString().length();

    // cold: a fresh counter each time, so nothing is cached
    double[] cold = new double[Math.max(3, iterations / 50)];
    int tokens = 0;
    for (int i = 0; i < cold.length; i++) {
      TokenCounter fresh = new TokenCounter(tokenizers, 1000);
      long t0 = System.nanoTime();
      tokens = fresh.count(WireFormats.OPENAI_CHAT.layout(), body, tokenizers.forModel("gpt-4o")).total();
      cold[i] = (System.nanoTime() - t0) / 1e6;
    }
    java.util.Arrays.sort(cold);

    TokenCounter counter = new TokenCounter(tokenizers, 1000);
    ContextFit fit = new ContextFit(null, config.context(), counter, new ContextWindows(config), null);
    // warm-up: the JIT compiles the hashing, counting and cutting paths before anything is timed
    for (int i = 0; i < iterations; i++) {
      fit.preflight(new ContextRequest(WireFormats.OPENAI_CHAT, withOneMore(body, i), null, bytes), OnOverflow.TRUNCATE, small, List.of()).result();
    }
    int kept = 0;
    Histogram fitTruncate = new Histogram(60_000_000_000L, 3);
    for (int i = 0; i < iterations * 2; i++) {
      long t0 = System.nanoTime();
      ContextFit.Decision d = fit.preflight(new ContextRequest(WireFormats.OPENAI_CHAT, body, null, bytes), OnOverflow.TRUNCATE, small, List.of()).result();
      long t = System.nanoTime() - t0;
      if (i >= iterations) fitTruncate.recordValue(t);
      kept = ((ContextFit.Send) d).json().get("messages").size();
    }

    Histogram append = new Histogram(60_000_000_000L, 3);
    Histogram appendCut = new Histogram(60_000_000_000L, 3);
    for (int i = 0; i < iterations * 2; i++) {
      ObjectNode grown = withOneMore(body, i);
      long t0 = System.nanoTime();
      ContextFit.Decision d = fit.preflight(new ContextRequest(WireFormats.OPENAI_CHAT, grown, null, bytes), OnOverflow.TRUNCATE, large, List.of()).result();
      long t = System.nanoTime() - t0;
      if (!((ContextFit.Send) d).unchanged()) throw new IllegalStateException("a 1M window should take the conversation");
      if (i >= iterations) append.recordValue(t);
      ObjectNode grown2 = withOneMore(body, -i - 1);
      t0 = System.nanoTime();
      fit.preflight(new ContextRequest(WireFormats.OPENAI_CHAT, grown2, null, bytes), OnOverflow.TRUNCATE, small, List.of()).result();
      t = System.nanoTime() - t0;
      if (i >= iterations) appendCut.recordValue(t);
    }
    return new Result(MESSAGES, tokens, kept, cold[cold.length / 2], ms(fitTruncate, 50), ms(fitTruncate, 99),
        ms(append, 50), ms(append, 99), ms(appendCut, 50));
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1e6;
  }

  /** A new request object sharing the conversation's messages, plus one new user message (as the front door parses). */
  private static ObjectNode withOneMore(ObjectNode body, int n) {
    ObjectNode copy = JSON.createObjectNode();
    body.fields().forEachRemaining(e -> copy.set(e.getKey(), e.getValue()));
    ArrayNode messages = ((ArrayNode) body.get("messages")).deepCopy();
    messages.addObject().put("role", "user").put("content", "Follow-up " + n + ": and what about the edge cases in step " + n + "?");
    copy.set("messages", messages);
    return copy;
  }

  /** System prompt, then turns of ~100 tokens per message: questions, answers, and every third turn a tool exchange. */
  static ObjectNode conversation(int messages) {
    ObjectNode body = JSON.createObjectNode().put("model", "gpt-4o");
    ArrayNode m = body.putArray("messages");
    m.addObject().put("role", "system").put("content", "You are a careful coding assistant. " + prose(0, 60));
    int turn = 0;
    while (m.size() < messages - 1) {
      m.addObject().put("role", "user").put("content", "Question " + turn + ": " + prose(turn, 92));
      if (turn % 3 == 2 && m.size() < messages - 3) {
        ObjectNode call = m.addObject().put("role", "assistant");
        call.putNull("content");
        call.putArray("tool_calls").addObject().put("id", "call_" + turn).put("type", "function")
            .putObject("function").put("name", "read_file").put("arguments", "{\"path\":\"src/module" + turn + ".py\"}");
        m.addObject().put("role", "tool").put("tool_call_id", "call_" + turn).put("content", prose(turn + 1, 100));
      }
      m.addObject().put("role", "assistant").put("content", "Answer " + turn + ": " + prose(turn + 2, 92));
      turn++;
    }
    while (m.size() > messages - 1) m.remove(m.size() - 1);
    m.addObject().put("role", "user").put("content", "Now summarize what we changed and why.");
    return body;
  }

  private static final String[] WORDS = ("the function returns a list of values when the input is empty we should check "
      + "each branch and handle errors explicitly because callers rely on stable results from parse load save update "
      + "config cache index token stream buffer request response retry timeout").split(" ");

  private static String prose(int seed, int words) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < words; i++) b.append(i == 0 ? "" : " ").append(WORDS[(seed * 31 + i * 7) % WORDS.length]).append(i % 11 == 10 ? "." : "");
    return b.toString();
  }

  /** Prints the figures: {@code java -cp bench.jar dev.rebound.bench.ContextFitBench [iterations]}. */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Result r = run(n);
    System.out.printf("context fit, %d messages, %d tokens -> %d messages kept: cold count %.1f ms; fit + truncate p50 %.2f ms "
            + "(p99 %.2f); append one message p50 %.3f ms (p99 %.3f); append + truncate p50 %.2f ms%n",
        r.messages(), r.tokens(), r.keptMessages(), r.coldCountMs(), r.fitTruncateP50Ms(), r.fitTruncateP99Ms(),
        r.appendP50Ms(), r.appendP99Ms(), r.appendCutP50Ms());
  }
}
