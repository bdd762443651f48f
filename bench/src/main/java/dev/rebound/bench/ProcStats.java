package dev.rebound.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and memory of a process from Linux's /proc. Returns -1 where /proc is not available. */
public final class ProcStats {
  private ProcStats() {}

  private static final long CLOCK_TICKS = clockTicks();

  /** utime + stime of the process (all its threads, live and exited), in nanoseconds; -1 if unknown. */
  public static long cpuNanos(long pid) {
    try {
      return cpuNanosFromStat(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")), CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * The CPU time of several processes together (a server's master and worker); -1 if any is unknown. A worker that
   * exited would take its time with it; nginx's worker here lives as long as its master.
   */
  public static long cpuNanos(java.util.List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      long n = cpuNanos(pid);
      if (n < 0) return -1;
      sum += n;
    }
    return sum;
  }

  /** The peak RSS of several processes added up (each one's own peak: an upper bound of their peak together). */
  public static long peakRssKb(java.util.List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      long kb = peakRssKb(pid);
      if (kb < 0) return -1;
      sum += kb;
    }
    return sum;
  }

  /** The whole machine's non-idle CPU time (all cores) from /proc/stat, in nanoseconds; -1 if unknown. */
  public static long systemBusyNanos() {
    try {
      return busyNanosFromProcStat(Files.readString(Path.of("/proc/stat")), CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** user + nice + system + irq + softirq + steal of the aggregate {@code cpu} line (idle and iowait left out). */
  static long busyNanosFromProcStat(String stat, long ticksPerSecond) {
    String first = stat.substring(0, stat.indexOf('\n'));
    String[] f = first.trim().split("\\s+");
    if (!f[0].equals("cpu")) throw new IllegalArgumentException("not /proc/stat: " + first);
    long ticks = 0;
    int[] busy = {1, 2, 3, 6, 7, 8};
    for (int i : busy) if (i < f.length) ticks += Long.parseLong(f[i]);
    return ticks * 1_000_000_000L / ticksPerSecond;
  }

  /**
   * CPU time (ns) the JVM's JIT compiler threads of process {@code pid} have used, from each /proc/<pid>/task/<tid>/stat
   * (HotSpot names them "C1 CompilerThread0", cut by Linux to 15 characters); -1 if unknown.
   */
  public static long compilerCpuNanos(long pid) {
    return threadCpuNanos(pid)[JIT];
  }

  /** Index of {@link #threadCpuNanos}: the JIT compiler threads. */
  public static final int JIT = 0;
  /** Index of {@link #threadCpuNanos}: the garbage collector (Serial's VM Thread, G1's and Parallel's GC threads). */
  public static final int GC = 1;
  /**
   * Index of {@link #threadCpuNanos}: the gateway's embedded session store (its worker, syncer and checkpointer threads,
   * named {@code rebound-embedded-store-<n>-...}); -1 in a process that has none.
   */
  public static final int EMBEDDED_STORE = 2;

  /**
   * CPU time (ns) of groups of process {@code pid}'s threads, from each /proc/<pid>/task/<tid>/stat: the JVM's
   * {@link #JIT} and {@link #GC}, and the gateway's {@link #EMBEDDED_STORE}; -1 each if unknown, 0 for a process that is
   * no JVM (nginx). Threads that ended took their time with them: all of them live as long as the process (the store's
   * as long as the store).
   */
  public static long[] threadCpuNanos(long pid) {
    Path tasks = Path.of("/proc", String.valueOf(pid), "task");
    try (java.util.stream.Stream<Path> ts = Files.list(tasks)) {
      long[] sum = new long[3];
      sum[EMBEDDED_STORE] = -1;
      for (Path t : (Iterable<Path>) ts::iterator) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended between the listing and the read
        }
        if (isCompilerThread(stat)) sum[JIT] += cpuNanosFromStat(stat, CLOCK_TICKS);
        else if (isGcThread(stat)) sum[GC] += cpuNanosFromStat(stat, CLOCK_TICKS);
        else if (isEmbeddedStoreThread(stat)) {
          sum[EMBEDDED_STORE] = Math.max(0, sum[EMBEDDED_STORE]) + cpuNanosFromStat(stat, CLOCK_TICKS);
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1, -1};
    }
  }

  /** Whether a task is one of the gateway's embedded store threads ("rebound-embedded-store-1-0", cut to 15 chars). */
  static boolean isEmbeddedStoreThread(String stat) {
    return comm(stat).startsWith("rebound-embedde");
  }

  /** Whether a task's stat line (field 2 is its name in parentheses) is a HotSpot JIT compiler thread. */
  static boolean isCompilerThread(String stat) {
    String comm = comm(stat);
    return comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre");
  }

  /**
   * Whether a task is a HotSpot garbage collector thread: the Serial collector collects on the "VM Thread" (which also
   * runs the few other safepoint operations), G1 and Parallel on "GC Thread#n" and G1's own concurrent threads.
   */
  static boolean isGcThread(String stat) {
    String comm = comm(stat);
    return comm.equals("VM Thread") || comm.startsWith("GC Thread#") || comm.startsWith("G1 ");
  }

  private static String comm(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    return open < 0 || close < open ? "" : stat.substring(open + 1, close);
  }

  /** Peak resident set size (VmHWM) in kB; -1 if unknown. */
  public static long peakRssKb(long pid) {
    return statusKb(pid, "VmHWM");
  }

  /** Current resident set size (VmRSS) in kB; -1 if unknown. */
  public static long rssKb(long pid) {
    return statusKb(pid, "VmRSS");
  }

  static long statusKb(long pid, String field) {
    try {
      return kbFromStatus(Files.readString(Path.of("/proc", String.valueOf(pid), "status")), field);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Parses {@code /proc/<pid>/stat}: the command name (field 2) may hold spaces and parentheses, so fields are
   * counted after its last ')'; utime and stime are fields 14 and 15, in clock ticks.
   */
  static long cpuNanosFromStat(String stat, long ticksPerSecond) {
    int close = stat.lastIndexOf(')');
    String[] f = stat.substring(close + 2).trim().split("\\s+");
    // f[0] is field 3 (state), so field n is f[n - 3]
    long ticks = Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    return ticks * 1_000_000_000L / ticksPerSecond;
  }

  static long kbFromStatus(String status, String field) {
    for (String line : status.split("\n")) {
      if (line.startsWith(field + ":")) {
        String v = line.substring(field.length() + 1).trim();
        int sp = v.indexOf(' ');
        return Long.parseLong(sp < 0 ? v : v.substring(0, sp));
      }
    }
    return -1;
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      long t = Long.parseLong(out);
      return t > 0 ? t : 100;
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
