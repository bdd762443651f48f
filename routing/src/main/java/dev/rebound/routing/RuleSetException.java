package dev.rebound.routing;

import java.util.List;

/** Rules that cannot be compiled; each problem names its key path and value. */
public final class RuleSetException extends RuntimeException {
  private final List<String> problems;

  public RuleSetException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
