package dev.rebound.gateway.config;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code ${VAR}} and {@code ${VAR:-default}} in config values, resolved against the environment given. */
final class Interpolation {
  private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private final Map<String, String> env;

  Interpolation(Map<String, String> env) {
    this.env = env;
  }

  String apply(String raw, ConfigNode at) {
    if (raw.indexOf("${") < 0) return raw;
    Matcher m = VAR.matcher(raw);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.get(m.group(1));
      if (value == null || (value.isEmpty() && m.group(2) != null)) {
        if (m.group(2) != null) {
          value = m.group(3);
        } else {
          at.problem("environment variable " + m.group(1) + " is not set (write ${" + m.group(1)
              + ":-default} to give a default)");
          value = "";
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
