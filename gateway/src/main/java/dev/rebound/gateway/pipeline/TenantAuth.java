package dev.rebound.gateway.pipeline;

import dev.rebound.gateway.config.TenantConfig;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Proxy key -> tenant. The key may come in {@code x-rebound-key} (for clients whose Authorization header carries their
 * own provider key), {@code Authorization: Bearer}, or {@code x-api-key}. With no keys configured the gateway is open
 * and everything belongs to the first tenant.
 */
public final class TenantAuth implements Step {
  private final Map<String, String> tenantByKey = new HashMap<>();
  private final String openTenant;

  public TenantAuth(List<TenantConfig> tenants) {
    for (TenantConfig t : tenants) for (String k : t.keys()) tenantByKey.put(k, t.name());
    this.openTenant = tenants.isEmpty() ? "default" : tenants.get(0).name();
  }

  public boolean open() {
    return tenantByKey.isEmpty();
  }

  @Override
  public Future<Void> onRequest(Exchange ex) {
    // a background job's run: its tenant was authenticated when the job was accepted (its key is not kept)
    if (ex.tenant() != null) return Future.succeededFuture();
    try {
      Identity id = identify(ex.requestHeaders());
      ex.authenticated(id.tenant(), id.proxyKey());
      return Future.succeededFuture();
    } catch (GatewayException e) {
      return Future.failedFuture(e);
    }
  }

  /** The tenant behind a request's headers; throws a 401 GatewayException when the key is missing or unknown. */
  public Identity identify(MultiMap h) {
    if (open()) return new Identity(openTenant, null);
    for (String candidate : new String[] {h.get("x-rebound-key"), bearer(h.get("authorization")), h.get("x-api-key")}) {
      if (candidate == null) continue;
      String tenant = tenantByKey.get(candidate);
      if (tenant != null) return new Identity(tenant, candidate);
    }
    throw new GatewayException(ClientError.unauthorized(
        "Missing or unknown Rebound proxy key. Send it as 'Authorization: Bearer <key>', 'x-api-key: <key>' "
            + "or 'x-rebound-key: <key>' (the latter when Authorization carries your own provider key)."));
  }

  /** @param proxyKey the key the client presented; null when the gateway is open */
  public record Identity(String tenant, String proxyKey) {}

  private static String bearer(String authorization) {
    if (authorization == null) return null;
    String a = authorization.trim();
    return a.regionMatches(true, 0, "Bearer ", 0, 7) ? a.substring(7).trim() : a;
  }
}
