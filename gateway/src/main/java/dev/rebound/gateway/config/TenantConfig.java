package dev.rebound.gateway.config;

import java.util.List;

/** A tenant and the proxy keys that identify it. */
public record TenantConfig(String name, List<String> keys) {
  public TenantConfig {
    keys = List.copyOf(keys);
  }
}
