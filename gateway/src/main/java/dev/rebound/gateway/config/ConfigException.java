package dev.rebound.gateway.config;

import java.util.List;

/** A config that cannot be used: every problem, each naming its key path and the bad value. */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(String source, List<String> problems) {
    super(source + " has " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n  "
        + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
