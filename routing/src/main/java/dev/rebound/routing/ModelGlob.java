package dev.rebound.routing;

/**
 * A model-name pattern where {@code *} is any run of characters and {@code ?} one character; case-insensitive.
 * Matched directly rather than through a regex: the text is whatever a client sent (line terminators included, which
 * a regex's {@code .} does not match), and a glob match stays linear in the text's length times the pattern's.
 */
public final class ModelGlob {
  private final String text;

  private ModelGlob(String text) {
    this.text = text;
  }

  public static ModelGlob of(String glob) {
    return new ModelGlob(glob);
  }

  public boolean matches(String model) {
    if (model == null) return false;
    // the classic two-pointer walk: on a mismatch, the last '*' takes one more character and the rest is retried
    int p = 0;
    int s = 0;
    int star = -1;
    int starAt = 0;
    int pn = text.length();
    int sn = model.length();
    while (s < sn) {
      if (p < pn && text.charAt(p) == '*') {
        star = p++;
        starAt = s;
      } else if (p < pn && (text.charAt(p) == '?' || same(text.charAt(p), model.charAt(s)))) {
        p++;
        s++;
      } else if (star >= 0) {
        p = star + 1;
        s = ++starAt;
      } else {
        return false;
      }
    }
    while (p < pn && text.charAt(p) == '*') p++;
    return p == pn;
  }

  private static boolean same(char a, char b) {
    if (a == b) return true;
    // as String.equalsIgnoreCase compares
    char ua = Character.toUpperCase(a);
    char ub = Character.toUpperCase(b);
    return ua == ub || Character.toLowerCase(ua) == Character.toLowerCase(ub);
  }

  /** True when the pattern names exactly one model (no wildcard), so it can be listed as a model clients may ask for. */
  public boolean isLiteral() {
    return text.indexOf('*') < 0 && text.indexOf('?') < 0;
  }

  @Override
  public String toString() {
    return text;
  }
}
