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
    // checked by hand: a key is built per stored turn and event, and the regex matcher showed in profiles
    if (!valid(tenant, 64, false)) {
      throw new IllegalArgumentException("invalid tenant '" + tenant + "': must match " + TENANT.pattern());
    }
    if (!valid(id, 128, true)) {
      throw new IllegalArgumentException("invalid session id '" + id + "': must match " + ID.pattern());
    }
  }

  /** Whether {@code id} matches {@link #ID}, without a regex matcher. */
  public static boolean validId(String id) {
    return valid(id, 128, true);
  }

  /** Same as {@link #ID} (colon allowed) or {@link #TENANT}. */
  private static boolean valid(String s, int max, boolean colon) {
    if (s == null || s.isEmpty() || s.length() > max) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
          || c == '-' || colon && c == ':';
      if (!ok) return false;
    }
    return true;
  }

  // by hand too: the record's generated methods go through an invokedynamic bootstrap that stayed in the profiles of a
  // session turn (a key is hashed by the session cache, the event recorder and the store)
  @Override
  public boolean equals(Object o) {
    return o instanceof SessionKey k && id.equals(k.id) && tenant.equals(k.tenant);
  }

  @Override
  public int hashCode() {
    return 31 * tenant.hashCode() + id.hashCode();
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
