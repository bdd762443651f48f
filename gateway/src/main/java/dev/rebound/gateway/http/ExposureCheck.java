package dev.rebound.gateway.http;

import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.config.TenantConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** At startup: what a gateway reachable beyond this machine is missing (proxy keys, an admin token), as warnings. */
final class ExposureCheck {
  private ExposureCheck() {}

  static List<String> warnings(ReboundConfig config, int port) {
    String host = config.server().host();
    if (loopbackOnly(host)) return List.of();
    String where = "listening on " + host + ":" + port + ", beyond loopback, ";
    List<String> out = new ArrayList<>();
    boolean keys = config.tenants().stream().map(TenantConfig::keys).anyMatch(k -> !k.isEmpty());
    if (!keys) {
      out.add(where + "with no proxy keys: anyone who can reach it can spend the backends' API keys. Set keys under"
          + " tenants (e.g. REBOUND_KEY with the shipped configs).");
    }
    if (config.admin().token().isBlank()) {
      out.add(where + "with no admin token: the admin API and /ui answer only requests from this machine. Set"
          + " admin.token (e.g. REBOUND_ADMIN_TOKEN) to use them from elsewhere.");
    }
    return out;
  }

  /** Whether {@code host} only accepts connections from this machine (a literal check: nothing is resolved). */
  static boolean loopbackOnly(String host) {
    String h = host.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }
}
