package dev.rebound.store;

import java.util.regex.Pattern;

/**
 * Identifies one session inside a tenant's namespace. The same id in two tenants names two different sessions.
 * The character sets are deliberately narrow: both parts end up inside Redis key names and file-store keys,
 * so validating here keeps every backend free of escaping.
 */
public record SessionKey(String tenant, String id) {

  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public SessionKey {
    if (tenant == null || !TENANT.matcher(tenant).matches()) {
      throw new IllegalArgumentException("invalid tenant '" + tenant + "': must match " + TENANT.pattern());
    }
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("invalid session id '" + id + "': must match " + ID.pattern());
    }
  }

  public static SessionKey of(String tenant, String id) {
    return new SessionKey(tenant, id);
  }

  /** {@code tenant/id}, for messages and logs. */
  @Override
  public String toString() {
    return tenant + "/" + id;
  }
}
