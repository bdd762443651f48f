package dev.rebound.bench;

import java.util.Locale;

/** How figures are written in the report and on the console. */
public final class Format {
  private Format() {}

  public static final String NONE = "—";

  public static String micros(double us) {
    if (Double.isNaN(us)) return NONE;
    double a = Math.abs(us);
    if (a < 1000) return String.format(Locale.ROOT, "%.0f us", us);
    if (a < 10_000) return String.format(Locale.ROOT, "%.2f ms", us / 1000);
    if (a < 1_000_000) return String.format(Locale.ROOT, "%.1f ms", us / 1000);
    return String.format(Locale.ROOT, "%.2f s", us / 1e6);
  }

  public static String throughput(double perSecond) {
    if (Double.isNaN(perSecond)) return NONE;
    if (perSecond >= 100) return String.format(Locale.ROOT, "%,.0f/s", perSecond);
    return String.format(Locale.ROOT, "%.1f/s", perSecond);
  }

  public static String ratio(double r) {
    return Double.isNaN(r) ? NONE : String.format(Locale.ROOT, "%.2fx", r);
  }

  public static String share(double pct) {
    return Double.isNaN(pct) ? NONE : String.format(Locale.ROOT, "%.1f %%", pct);
  }

  public static String megabytes(double mb) {
    return Double.isNaN(mb) ? NONE : String.format(Locale.ROOT, "%.0f MB", mb);
  }

  /** A metric's own figure. */
  public static String value(Metric m, double v) {
    return switch (m.unit()) {
      case PER_SECOND -> throughput(v);
      case MICROS -> micros(v);
      case SHARE -> share(v);
      case MEGABYTES -> megabytes(v);
    };
  }

  /** A B - A difference, signed. */
  public static String added(Metric m, double d) {
    if (Double.isNaN(d)) return NONE;
    String sign = d >= 0 ? "+" : "-";
    return switch (m.unit()) {
      case SHARE -> sign + String.format(Locale.ROOT, "%.1f pt", Math.abs(d));
      default -> sign + value(m, Math.abs(d));
    };
  }

  /** The comparison figure (ratio or difference) of a metric. */
  public static String comparison(Metric m, double v) {
    return switch (m.compare()) {
      case RATIO -> ratio(v);
      case ADDED -> added(m, v);
      case NONE, CONTEXT -> NONE;
    };
  }

  /** A summary as "median (min..max)" with the given formatter; just the median when there is one figure. */
  public static String summary(Stats.Summary s, java.util.function.DoubleFunction<String> f) {
    if (s == null || s.isEmpty()) return NONE;
    if (s.n() == 1 || s.min() == s.max()) return f.apply(s.median());
    return f.apply(s.median()) + " (" + f.apply(s.min()) + " .. " + f.apply(s.max()) + ")";
  }

  /** "min .. max". */
  public static String range(Stats.Summary s, java.util.function.DoubleFunction<String> f) {
    if (s == null || s.isEmpty()) return NONE;
    return f.apply(s.min()) + " .. " + f.apply(s.max());
  }

  /** Rounded for JSON: 3 decimals; null for NaN (not measured). */
  public static Double round(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) return null;
    return Math.round(v * 1000) / 1000.0;
  }
}
