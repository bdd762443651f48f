package dev.rebound.gateway.context;

import dev.rebound.gateway.config.ContextConfig;
import dev.rebound.routing.ModelGlob;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Picks the tokenizer for a model name: the rules from config first, then the built-in families. OpenAI's own
 * encodings are exact (o200k_base for gpt-4o/4.1/5 and the o-series, cl100k_base for older models); for families whose
 * tokenizer is not public, an OpenAI encoding times a factor measured against that family's tokenizer on
 * English prose and code (it errs high: an estimate that is too low costs a failed attempt, one too high a few turns).
 */
public final class Tokenizers {
  private record Rule(ModelGlob models, String family, String encoding, double factor) {}

  private static final String O200K = "o200k_base";
  private static final String CL100K = "cl100k_base";

  /** Checked in order after the configured rules; the last one matches every model. */
  private static final List<Rule> BUILT_IN = List.of(
      rule("gpt-4o*", "openai-o200k", O200K, 1.0),
      rule("chatgpt-4o*", "openai-o200k", O200K, 1.0),
      rule("gpt-4.1*", "openai-o200k", O200K, 1.0),
      rule("gpt-4.5*", "openai-o200k", O200K, 1.0),
      rule("gpt-5*", "openai-o200k", O200K, 1.0),
      rule("gpt-oss*", "openai-o200k", O200K, 1.0),
      rule("o1*", "openai-o200k", O200K, 1.0),
      rule("o3*", "openai-o200k", O200K, 1.0),
      rule("o4*", "openai-o200k", O200K, 1.0),
      rule("gpt-4*", "openai-cl100k", CL100K, 1.0),
      rule("gpt-3.5*", "openai-cl100k", CL100K, 1.0),
      rule("*claude*", "claude", CL100K, 1.15),
      rule("*llama*", "llama", CL100K, 1.1),
      rule("*qwen*", "qwen", CL100K, 1.1),
      rule("*mistral*", "mistral", CL100K, 1.2),
      rule("*mixtral*", "mistral", CL100K, 1.2),
      rule("*codestral*", "mistral", CL100K, 1.2),
      rule("*gemini*", "gemini", CL100K, 1.1),
      rule("*gemma*", "gemini", CL100K, 1.1),
      rule("*deepseek*", "deepseek", CL100K, 1.1),
      rule("*", "other", CL100K, 1.2));

  private final List<Rule> rules;
  /** Each encoding loaded once, on first use. */
  private final Map<String, BytePairEncoding> encodings = new ConcurrentHashMap<>();
  /**
   * Each rule's tokenizer, made on first use. Kept per rule, never per model name: the name is whatever a client
   * sent, and a map keyed by it grows with every new one.
   */
  private final AtomicReferenceArray<Tokenizer> byRule;
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();

  public Tokenizers(List<ContextConfig.TokenizerRule> configured) {
    List<Rule> all = new ArrayList<>();
    for (ContextConfig.TokenizerRule r : configured) {
      all.add(new Rule(ModelGlob.of(r.models()), "configured:" + r.models(), r.encoding(), r.factor()));
    }
    all.addAll(BUILT_IN);
    this.rules = List.copyOf(all);
    this.byRule = new AtomicReferenceArray<>(rules.size());
  }

  /** Loads the BPE tables the built-in families use (a noticeable moment: call it off the event loop). */
  public Tokenizers warmUp() {
    encoding(O200K).count("warm up");
    encoding(CL100K).count("warm up");
    return this;
  }

  /** The tokenizer of the first rule matching the model (globs are case-insensitive; the last rule matches all). */
  public Tokenizer forModel(String model) {
    String name = model == null ? "" : model;
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).models().matches(name)) {
        Tokenizer t = byRule.get(i);
        if (t == null) {
          Rule r = rules.get(i);
          int id = ids.computeIfAbsent(r.encoding(), k -> ids.size() + 1);
          byRule.compareAndSet(i, null, new Tokenizer(r.family(), encoding(r.encoding()), r.factor(), id));
          t = byRule.get(i);
        }
        return t;
      }
    }
    throw new IllegalStateException("the catch-all tokenizer rule is missing");
  }

  /** Tokenizers made so far: at most one per rule, however many model names clients send. */
  public int made() {
    int n = 0;
    for (int i = 0; i < byRule.length(); i++) if (byRule.get(i) != null) n++;
    return n;
  }

  private BytePairEncoding encoding(String name) {
    return encodings.computeIfAbsent(name, BytePairEncoding::load);
  }

  private static Rule rule(String glob, String family, String encoding, double factor) {
    return new Rule(ModelGlob.of(glob), family, encoding, factor);
  }
}
