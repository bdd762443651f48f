package dev.rebound.mockllm;

import java.util.Objects;

/**
 * A model the mock advertises on {@code GET /v1/models}, with the context window it enforces.
 * Models not listed are still served, with {@link MockLlmOptions#defaultContextWindow()}.
 */
public record MockModel(String name, int contextWindow) {

  public MockModel {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("model name must not be blank");
    }
    if (contextWindow < 1) {
      throw new IllegalArgumentException("contextWindow of " + name + " must be >= 1, got " + contextWindow);
    }
  }
}
