package dev.rebound.gateway.routes;

import dev.rebound.gateway.config.ConfigException;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.EventType;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.routing.RuleSet;
import dev.rebound.routing.RuleSetException;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.Map;

/**
 * Picks up edits to the config file without a restart: routes and task dictionaries are re-read, validated whole
 * against the running agents and swapped atomically; an invalid file is rejected with its problems and the old
 * rules stay. Changes to backends or agents need a restart, and the event says so.
 */
public final class ConfigWatcher {
  private final Vertx vertx;
  private final Path file;
  private final ReboundConfig running;
  private final RouteTable routes;
  private final EventSink events;
  private final Clock clock;
  private FileTime lastSeen;
  private long timer = -1;

  public ConfigWatcher(Vertx vertx, Path file, ReboundConfig running, RouteTable routes, EventSink events, Clock clock) {
    this.vertx = vertx;
    this.file = file;
    this.running = running;
    this.routes = routes;
    this.events = events;
    this.clock = clock;
  }

  public void start() {
    if (running.routing().watch().isZero()) return;
    lastSeen = modified();
    timer = vertx.setPeriodic(running.routing().watch().toMillis(), id -> check());
  }

  public void stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }

  private void check() {
    vertx.executeBlocking(() -> {
      FileTime now = modified();
      if (now == null || now.equals(lastSeen)) return null;
      lastSeen = now;
      return reload();
    }, false).onSuccess(result -> {
      if (result != null) events.emit(result);
    });
  }

  private GatewayEvent reload() {
    try {
      ReboundConfig fresh = ConfigLoader.fromEnvironment().load(file);
      RuleSet rules = RuleSet.compile(running.agents(), fresh.routes(), fresh.routing().patterns());
      long version = routes.replace(rules);
      boolean restartNeeded = !fresh.backends().equals(running.backends()) || !fresh.agents().equals(running.agents());
      return event(EventType.ROUTES_RELOADED, "routes reloaded from " + file
          + (restartNeeded ? "; backends or agents changed too: restart to apply those" : ""),
          Map.of("version", version, "routes", rules.describe().size()));
    } catch (ConfigException e) {
      return event(EventType.ROUTES_RELOAD_REJECTED, "the edited config was rejected; the old routes stay", Map.of("problems", e.problems()));
    } catch (RuleSetException e) {
      return event(EventType.ROUTES_RELOAD_REJECTED, "the edited routes do not fit the running agents; the old routes stay",
          Map.of("problems", e.problems()));
    }
  }

  private GatewayEvent event(EventType type, String reason, Map<String, Object> fields) {
    return new GatewayEvent(clock.instant(), type, null, reason, fields);
  }

  private FileTime modified() {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }
}
