package dev.rebound.gateway.context;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
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
 * tokenizer jtokkit does not have, a jtokkit encoding times a factor measured against that family's tokenizer on
 * English prose and code (it errs high: an estimate that is too low costs a failed attempt, one too high a few turns).
 */
public final class Tokenizers {
  private record Rule(ModelGlob models, String family, EncodingType encoding, double factor) {}

  /** Checked in order after the configured rules; the last one matches every model. */
  private static final List<Rule> BUILT_IN = List.of(
      rule("gpt-4o*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("chatgpt-4o*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("gpt-4.1*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("gpt-4.5*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("gpt-5*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("gpt-oss*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("o1*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("o3*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("o4*", "openai-o200k", EncodingType.O200K_BASE, 1.0),
      rule("gpt-4*", "openai-cl100k", EncodingType.CL100K_BASE, 1.0),
      rule("gpt-3.5*", "openai-cl100k", EncodingType.CL100K_BASE, 1.0),
      rule("*claude*", "claude", EncodingType.CL100K_BASE, 1.15),
      rule("*llama*", "llama", EncodingType.CL100K_BASE, 1.1),
      rule("*qwen*", "qwen", EncodingType.CL100K_BASE, 1.1),
      rule("*mistral*", "mistral", EncodingType.CL100K_BASE, 1.2),
      rule("*mixtral*", "mistral", EncodingType.CL100K_BASE, 1.2),
      rule("*codestral*", "mistral", EncodingType.CL100K_BASE, 1.2),
      rule("*gemini*", "gemini", EncodingType.CL100K_BASE, 1.1),
      rule("*gemma*", "gemini", EncodingType.CL100K_BASE, 1.1),
      rule("*deepseek*", "deepseek", EncodingType.CL100K_BASE, 1.1),
      rule("*", "other", EncodingType.CL100K_BASE, 1.2));

  private final List<Rule> rules;
  private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
  /**
   * Each rule's tokenizer, made on first use. Kept per rule, never per model name: the name is whatever a client
   * sent, and a map keyed by it grows with every new one.
   */
  private final AtomicReferenceArray<Tokenizer> byRule;
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();

  public Tokenizers(List<ContextConfig.TokenizerRule> configured) {
    List<Rule> all = new ArrayList<>();
    for (ContextConfig.TokenizerRule r : configured) {
      all.add(new Rule(ModelGlob.of(r.models()), "configured:" + r.models(), encoding(r.encoding()), r.factor()));
    }
    all.addAll(BUILT_IN);
    this.rules = List.copyOf(all);
    this.byRule = new AtomicReferenceArray<>(rules.size());
  }

  /** Loads the BPE tables the built-in families use (a noticeable moment: call it off the event loop). */
  public Tokenizers warmUp() {
    registry.getEncoding(EncodingType.O200K_BASE).countTokensOrdinary("warm up");
    registry.getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary("warm up");
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
          int id = ids.computeIfAbsent(r.encoding().getName(), k -> ids.size() + 1);
          byRule.compareAndSet(i, null, new Tokenizer(r.family(), registry.getEncoding(r.encoding()), r.factor(), id));
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

  private static Rule rule(String glob, String family, EncodingType type, double factor) {
    return new Rule(ModelGlob.of(glob), family, type, factor);
  }

  private static EncodingType encoding(String name) {
    return switch (name) {
      case "o200k_base" -> EncodingType.O200K_BASE;
      case "p50k_base" -> EncodingType.P50K_BASE;
      case "r50k_base" -> EncodingType.R50K_BASE;
      default -> EncodingType.CL100K_BASE;
    };
  }
}
