package dev.rebound.gateway.config;

import java.util.ArrayList;
import java.util.List;

/** Every problem found while reading a config, each as {@code key.path: what is wrong}. */
final class ConfigProblems {
  private final List<String> lines = new ArrayList<>();

  void add(String path, String message) {
    lines.add((path.isEmpty() ? "(top level)" : path) + ": " + message);
  }

  void addAll(List<String> alreadyPrefixed) {
    lines.addAll(alreadyPrefixed);
  }

  boolean isEmpty() {
    return lines.isEmpty();
  }

  List<String> lines() {
    return List.copyOf(lines);
  }
}
