package dev.rebound.gateway.config;

import dev.rebound.routing.TaskPatterns;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How routing reads tasks and reloads rules.
 *
 * @param taskPatternsFile the dictionaries file; null means the ones shipped with Rebound
 * @param watch            how often the config file is checked for route changes (0: never)
 */
public record RoutingConfig(Path taskPatternsFile, Duration watch, TaskPatterns patterns) {}
