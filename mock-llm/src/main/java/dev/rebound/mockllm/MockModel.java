package dev.rebound.mockllm;

import java.util.Objects;

/**
 * A model the mock advertises (on {@code GET /v1/models}, {@code /props}, {@code /api/show},
 * {@code /info}), with the context window it enforces. Models not listed are still served, with
 * {@link MockLlmOptions#defaultContextWindow()}.
 *
 * @param name                 the model's name
 * @param contextWindow        the window the mock enforces: vLLM's {@code max_model_len}, llama.cpp's
 *                             {@code n_ctx}, Ollama's {@code num_ctx}, TGI's {@code max_total_tokens}
 * @param trainedContextWindow the length the model was trained for, only shown by Ollama as
 *                             {@code model_info.llama.context_length}; at least {@code contextWindow}.
 *                             When it is larger, Ollama also shows {@code num_ctx contextWindow} in
 *                             {@code parameters} (a runtime window below the trained one); when the two
 *                             are equal there is no {@code num_ctx} and the model runs at its trained length
 */
public record MockModel(String name, int contextWindow, int trainedContextWindow) {

  public MockModel {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("model name must not be blank");
    }
    if (contextWindow < 1) {
      throw new IllegalArgumentException("contextWindow of " + name + " must be >= 1, got " + contextWindow);
    }
    if (trainedContextWindow < contextWindow) {
      throw new IllegalArgumentException("trainedContextWindow of " + name + " must be >= its contextWindow "
          + contextWindow + ", got " + trainedContextWindow);
    }
  }

  /** A model trained for four times the window it runs with, so Ollama shows {@code num_ctx}. */
  public MockModel(String name, int contextWindow) {
    this(name, contextWindow, defaultTrainedContextWindow(contextWindow));
  }

  /** Four times {@code contextWindow}, capped at {@link Integer#MAX_VALUE}. */
  public static int defaultTrainedContextWindow(int contextWindow) {
    return (int) Math.min(4L * contextWindow, Integer.MAX_VALUE);
  }

  /** Whether the model runs with a window below its trained length, which Ollama shows as {@code num_ctx}. */
  public boolean hasRuntimeWindow() {
    return contextWindow < trainedContextWindow;
  }
}
