package dev.rebound.gateway.recovery;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Requests in flight per agent, for least-loaded routing: this gateway's own, counted as they start and end, plus what
 * the other gateways on the same Redis last said of theirs ({@link HealthShare}). Counting costs an atomic increment and
 * marks the agent's backend as changed; the sharing reads the changes off the request path. What another gateway said
 * is forgotten after {@link #REMOTE_TTL_MS} without news: it repeats its counts every second while alive, so a
 * gateway that died stops counting within seconds. Thread-safe.
 */
public final class InFlightCounts {
  /** How long another gateway's counts stand without news (it sends them at least once a second). */
  public static final long REMOTE_TTL_MS = 3_000;

  private final Function<String, String> backendOf;
  private final ConcurrentHashMap<String, AtomicInteger> own = new ConcurrentHashMap<>();
  /** Backends whose own counts changed since they were last shared. */
  private final Set<String> changed = ConcurrentHashMap.newKeySet();

  /** What one other gateway said of one backend's agents, and when. */
  private record Heard(Map<String, Integer> agents, long atMs) {}

  /** gateway -> backend -> what it said. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Heard>> remote = new ConcurrentHashMap<>();
  /** The other gateways' counts summed per agent, rebuilt when news arrives or ages out (read on every plan). */
  private volatile Map<String, Integer> remoteTotals = Map.of();

  /** @param backendOf the backend an agent sends to (null or unknown: counted under "?") */
  public InFlightCounts(Function<String, String> backendOf) {
    this.backendOf = backendOf;
  }

  /** Agents of unknown backends, for tests that need no sharing. */
  public static InFlightCounts local() {
    return new InFlightCounts(agent -> "?");
  }

  public void started(String agent) {
    own.computeIfAbsent(agent, k -> new AtomicInteger()).incrementAndGet();
    changed.add(backend(agent));
  }

  public void ended(String agent) {
    AtomicInteger n = own.get(agent);
    if (n != null) n.decrementAndGet();
    changed.add(backend(agent));
  }

  /** This gateway's and the others' requests in flight on {@code agent}. */
  public int of(String agent) {
    AtomicInteger n = own.get(agent);
    return (n == null ? 0 : Math.max(0, n.get())) + remoteTotals.getOrDefault(agent, 0);
  }

  /** This gateway's own requests in flight on {@code agent}. */
  public int own(String agent) {
    AtomicInteger n = own.get(agent);
    return n == null ? 0 : Math.max(0, n.get());
  }

  /** The backends whose own counts changed since the last call (each is then shared once). */
  Set<String> takeChanged() {
    Set<String> out = new java.util.HashSet<>();
    for (String b : changed) {
      if (changed.remove(b)) out.add(b);
    }
    return out;
  }

  /** Every backend with an own request in flight now (repeated each second so that the others keep counting it). */
  Set<String> busyBackends() {
    Set<String> out = new java.util.HashSet<>();
    own.forEach((agent, n) -> {
      if (n.get() > 0) out.add(backend(agent));
    });
    return out;
  }

  /** This gateway's own counts of the agents of {@code backend}. */
  Map<String, Integer> ownOf(String backend) {
    Map<String, Integer> out = new HashMap<>();
    own.forEach((agent, n) -> {
      if (backend(agent).equals(backend)) out.put(agent, Math.max(0, n.get()));
    });
    return out;
  }

  /** What gateway {@code from} says is in flight on the agents of {@code backend}, as of {@code atMs}. */
  void heard(String from, String backend, Map<String, Integer> agents, long atMs) {
    ConcurrentHashMap<String, Heard> byBackend = remote.computeIfAbsent(from, k -> new ConcurrentHashMap<>());
    Heard before = byBackend.get(backend);
    if (before != null && before.atMs() > atMs) return;
    byBackend.put(backend, new Heard(Map.copyOf(agents), atMs));
    total();
  }

  /** Gateway {@code from} said goodbye: nothing of it is in flight any more. */
  void gone(String from) {
    if (remote.remove(from) != null) total();
  }

  /** Forgets what is older than {@link #REMOTE_TTL_MS}: the gateway that said it has not spoken since. */
  void expire(long nowMs) {
    boolean any = false;
    for (var g : remote.entrySet()) {
      any |= g.getValue().values().removeIf(h -> h.atMs() < nowMs - REMOTE_TTL_MS);
      if (g.getValue().isEmpty()) any |= remote.remove(g.getKey(), g.getValue());
    }
    if (any) total();
  }

  private synchronized void total() {
    Map<String, Integer> sum = new HashMap<>();
    for (var byBackend : remote.values()) {
      for (Heard h : byBackend.values()) h.agents().forEach((agent, n) -> sum.merge(agent, n, Integer::sum));
    }
    remoteTotals = Map.copyOf(sum);
  }

  private String backend(String agent) {
    String b = backendOf.apply(agent);
    return b == null ? "?" : b;
  }
}
