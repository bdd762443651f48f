package dev.rebound.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A plain reverse proxy measured next to the gateway ({@code --peers}): the same workloads, interleaved with direct
 * and the gateway in one run, so "the gateway costs this much more than proxying alone" is a ratio from the same
 * minutes on the same machine. Peers only proxy: they run the scenarios that are plain proxying
 * ({@link Scenario.Sides#GATEWAY_AND_PEERS}).
 */
public enum Peer {
  /** {@link ReferenceProxy}: Vert.x, one event loop, no parsing, the gateway's transport. */
  REFERENCE_PROXY("reference-proxy", "a plain Vert.x reverse proxy from the bench (one event loop, no parsing)"),
  /** nginx from PATH with a generated config ({@link NginxConfig}): one worker, keep-alive upstream, unbuffered. */
  NGINX("nginx", "nginx, one worker, keep-alive upstream pool, proxy_buffering off"),
  /**
   * The gateway from {@code --baseline-jar}: another build with the same config and JVM options, so a change is
   * measured against the build before it in one interleaved run instead of across runs on a noisy host.
   */
  BASELINE("baseline", "the gateway built from --baseline-jar, with the same config and JVM options");

  private final String id;
  private final String description;

  Peer(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** The name in options, console lines and reports; also the target name of its phases. */
  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Peer::id).toList();
  }

  /**
   * {@code reference-proxy} (or {@code reference}), {@code nginx} or {@code baseline}.
   *
   * @throws IllegalArgumentException naming the known peers
   */
  public static Peer parse(String s) {
    String n = s.trim().toLowerCase(Locale.ROOT);
    if (n.equals("reference")) return REFERENCE_PROXY;
    for (Peer p : values()) if (p.id.equals(n)) return p;
    throw new IllegalArgumentException("unknown peer '" + s + "'; known: "
        + Arrays.stream(values()).map(Peer::id).collect(Collectors.joining(", ")));
  }
}
