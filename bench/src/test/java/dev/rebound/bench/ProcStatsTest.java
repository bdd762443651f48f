package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcStatsTest {
  @Test
  void cpuTimeIsUtimePlusStimeCountedAfterTheCommandName() {
    // comm with spaces and a ')' inside, as Linux allows
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 27000 0 5 0 1234 567 0 0 20 0 40 0 1000 0 0";
    assertEquals((1234 + 567) * 10_000_000L, ProcStats.cpuNanosFromStat(stat, 100));
    assertEquals((1234 + 567) * 1_000_000_000L / 250, ProcStats.cpuNanosFromStat(stat, 250));
  }

  @Test
  void jitCompilerThreadsAreKnownByTheirTruncatedNames() {
    assertTrue(ProcStats.isCompilerThread("101 (C2 CompilerThre) S 1 2 3 0 -1 0 0 0 0 0 500 20 0 0"));
    assertTrue(ProcStats.isCompilerThread("102 (C1 CompilerThre) S 1 2 3 0 -1 0 0 0 0 0 50 2 0 0"));
    assertTrue(!ProcStats.isCompilerThread("103 (vert.x-eventloo) S 1 2 3 0 -1 0 0 0 0 0 900 90 0 0"));
  }

  @Test
  void garbageCollectorThreadsAreKnownForSerialG1AndParallel() {
    assertTrue(ProcStats.isGcThread("201 (VM Thread) S 1 2 3 0 -1 0 0 0 0 0 500 20 0 0"));
    assertTrue(ProcStats.isGcThread("202 (GC Thread#0) S 1 2 3 0 -1 0 0 0 0 0 50 2 0 0"));
    assertTrue(ProcStats.isGcThread("203 (G1 Conc#0) S 1 2 3 0 -1 0 0 0 0 0 50 2 0 0"));
    assertFalse(ProcStats.isGcThread("204 (VM Periodic Tas) S 1 2 3 0 -1 0 0 0 0 0 5 2 0 0"));
    assertFalse(ProcStats.isGcThread("101 (C2 CompilerThre) S 1 2 3 0 -1 0 0 0 0 0 500 20 0 0"));
  }

  @Test
  void aPhaseSaysWhatTheGatewaysJvmSpentCompilingAndCollecting() {
    Resources.Snapshot before = new Resources.Snapshot(1_000_000, 0, 0, 1, 0, 0, -1).withGatewayThreadCpu(100_000, 50_000, -1);
    Resources.Snapshot after = new Resources.Snapshot(3_000_000, 0, 0, 1, 0, 1_000, -1).withGatewayThreadCpu(600_000, 250_000, -1);
    Resources r = after.since(before);
    assertEquals(500_000, r.gatewayJitCpuNanos());
    assertEquals(200_000, r.gatewayGcCpuNanos());
    PhaseResult phase = new PhaseResult("gateway", "rep 1", 1_000_000_000L, 100, 100, 100, 0, 0, java.util.Map.of(),
        java.util.Map.of(), java.util.Map.of(), new org.HdrHistogram.Histogram(3), new org.HdrHistogram.Histogram(3),
        new org.HdrHistogram.Histogram(3), r, java.util.Map.of());
    assertEquals(20.0, phase.metric(Metric.GATEWAY_CPU));
    assertEquals(5.0, phase.metric(Metric.GATEWAY_JIT_CPU));
    assertEquals(2.0, phase.metric(Metric.GATEWAY_GC_CPU));
    assertTrue(phase.oneLine(new Workload("openai", Protocol.OPENAI, false, 32, 12, 0, null)).contains("cpu 20 us/req (JIT 5 us, GC 2 us)"),
        phase.oneLine(new Workload("openai", Protocol.OPENAI, false, 32, 12, 0, null)));
    assertTrue(ProcStats.threadCpuNanos(ProcessHandle.current().pid())[ProcStats.GC] >= 0);
  }

  @Test
  void theEmbeddedStoresThreadsAreCountedApartAndAGatewayWithoutThemHasNoFigure() {
    assertTrue(ProcStats.isEmbeddedStoreThread("301 (rebound-embedde) S 1 2 3 0 -1 0 0 0 0 0 70 30 0 0"));
    assertFalse(ProcStats.isEmbeddedStoreThread("302 (vert.x-eventloo) S 1 2 3 0 -1 0 0 0 0 0 900 90 0 0"));
    assertFalse(ProcStats.isEmbeddedStoreThread("303 (rebound-shutdow) S 1 2 3 0 -1 0 0 0 0 0 1 0 0 0"));
    assertEquals(-1, ProcStats.threadCpuNanos(ProcessHandle.current().pid())[ProcStats.EMBEDDED_STORE],
        "this JVM has no store threads: no figure, not zero");

    Resources.Snapshot before = new Resources.Snapshot(1_000_000, 0, 0, 1, 0, 0, -1).withGatewayThreadCpu(0, 0, 300_000);
    Resources.Snapshot after = new Resources.Snapshot(5_000_000, 0, 0, 1, 0, 1_000, -1).withGatewayThreadCpu(0, 0, 1_300_000);
    Resources r = after.since(before);
    assertEquals(1_000_000, r.gatewayStoreCpuNanos());
    PhaseResult phase = new PhaseResult("gateway", "rep 1", 1_000_000_000L, 100, 100, 100, 0, 0, java.util.Map.of(),
        java.util.Map.of(), java.util.Map.of(), new org.HdrHistogram.Histogram(3), new org.HdrHistogram.Histogram(3),
        new org.HdrHistogram.Histogram(3), r, java.util.Map.of());
    assertEquals(40.0, phase.metric(Metric.GATEWAY_CPU));
    assertEquals(10.0, phase.metric(Metric.GATEWAY_STORE_CPU), "the store's part of it, per request");
    Resources none = new Resources.Snapshot(2, 0, 0, 1, 0, 1_000, -1).withGatewayThreadCpu(0, 0, -1)
        .since(new Resources.Snapshot(1, 0, 0, 1, 0, 0, -1).withGatewayThreadCpu(0, 0, -1));
    assertEquals(-1, none.gatewayStoreCpuNanos());
  }

  @Test
  void thisJvmsCompilerThreadsHaveUsedSomeCpuOnLinux() {
    if (!java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/task"))) return;
    assertTrue(ProcStats.compilerCpuNanos(ProcessHandle.current().pid()) >= 0);
  }

  @Test
  void theBusiestProcessDecidesWhetherTheJitIsQuiet() {
    long s = 1_000_000_000L;
    assertEquals(0.30, JitActivity.busiestShare(new long[] {0, 0}, new long[] {s / 100, 3 * s / 10}, s), 1e-9);
    assertTrue(Double.isNaN(JitActivity.busiestShare(new long[] {-1}, new long[] {5}, s)), "unknown stays unknown");
    assertTrue(Double.isNaN(JitActivity.busiestShare(new long[] {0}, new long[] {5}, 0)));
  }

  @Test
  void peakRssFromStatus() {
    String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n";
    assertEquals(123456, ProcStats.kbFromStatus(status, "VmHWM"));
    assertEquals(100000, ProcStats.kbFromStatus(status, "VmRSS"));
    assertEquals(-1, ProcStats.kbFromStatus(status, "VmSwap"));
  }

  @Test
  void readsThisProcessOnLinux() {
    if (!java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/stat"))) return;
    long pid = ProcessHandle.current().pid();
    assertTrue(ProcStats.cpuNanos(pid) > 0);
    assertTrue(ProcStats.peakRssKb(pid) > 0);
    assertEquals(-1, ProcStats.cpuNanos(Long.MAX_VALUE), "a process that does not exist");
  }

  @Test
  void machineBusyTimeLeavesOutIdleAndIowait() {
    String stat = "cpu  100 5 50 9000 400 1 2 3 0 0\ncpu0 50 2 25 4500 200 0 1 1 0 0\n";
    assertEquals((100 + 5 + 50 + 1 + 2 + 3) * 10_000_000L, ProcStats.busyNanosFromProcStat(stat, 100));
  }

  @Test
  void otherProcessesAreTheMachinesBusyTimeMinusOurs() {
    Resources.Snapshot a = new Resources.Snapshot(0, 0, 0, 1, 1_000, 0);
    Resources.Snapshot b = new Resources.Snapshot(300, 200, 100, 1, 2_000, 1_000);
    Resources r = b.since(a);
    assertEquals(400, r.otherCpuNanos());
    assertEquals(1_000, r.wallNanos());
    assertEquals(20.0, r.otherLoadPercent(2), 1e-9, "400 ns of 2 cores x 1000 ns");
    Resources.Snapshot c = new Resources.Snapshot(300, 200, 100, 1, -1, 1_000);
    assertEquals(-1, c.since(a).otherCpuNanos(), "unknown without /proc/stat");
    assertTrue(Double.isNaN(c.since(a).otherLoadPercent(2)));
  }

  @Test
  void resourceDeltasAreUnknownWhenEitherReadingIs() {
    Resources.Snapshot a = new Resources.Snapshot(1_000, -1, 50, 10);
    Resources.Snapshot b = new Resources.Snapshot(4_000, 7, 80, 12);
    Resources r = b.since(a);
    assertEquals(3_000, r.gatewayCpuNanos());
    assertEquals(-1, r.mockCpuNanos());
    assertEquals(30, r.benchCpuNanos());
    assertEquals(12, r.gatewayPeakRssKb(), "peak RSS is the later reading, not a delta");
  }
}
