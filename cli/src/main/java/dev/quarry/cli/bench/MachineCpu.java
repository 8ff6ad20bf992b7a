package dev.quarry.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the whole machine's CPU was between two readings of {@code /proc/stat} (Linux): every
 * process counts, so a benchmark can show that the machine was saturated (or not) while it measured
 * a throughput. Unknown (NaN) where {@code /proc/stat} cannot be read. Not the JDK's
 * {@code OperatingSystemMXBean.getCpuLoad()}, which {@link MachineQuiet} uses for "is the machine busy
 * now": it answers for an unspecified recent window (on Linux, since anyone's previous call), where a
 * run's figure must cover exactly that run.
 *
 * <p>Thread-safety: immutable.
 *
 * @param busyTicks  time the CPUs spent on anything but idling or waiting for I/O, all cores summed
 * @param totalTicks all time, all cores summed (same unit)
 */
record MachineCpu(long busyTicks, long totalTicks) {
    private static final Path PROC_STAT = Path.of("/proc/stat");

    /** The reading now, or null when the machine does not offer one. */
    static MachineCpu now() {
        try {
            String first = Files.readAllLines(PROC_STAT).get(0);
            return parse(first);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The aggregate line of {@code /proc/stat}: {@code cpu user nice system idle iowait irq softirq steal ...}.
     * Idle and I/O wait count as not busy; guest time is already inside user time, so later columns are left out.
     */
    static MachineCpu parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 5) {
            throw new IllegalArgumentException("not the aggregate cpu line of /proc/stat: " + line);
        }
        long busy = 0;
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            long v = Long.parseLong(f[i]);
            total += v;
            if (i != 4 && i != 5) { // idle, iowait
                busy += v;
            }
        }
        return new MachineCpu(busy, total);
    }

    /** The busy share (0..1) of all cores from {@code before} to {@code after}, NaN when either is unknown or no time passed. */
    static double busyBetween(MachineCpu before, MachineCpu after) {
        if (before == null || after == null || after.totalTicks <= before.totalTicks) {
            return Double.NaN;
        }
        return (double) (after.busyTicks - before.busyTicks) / (after.totalTicks - before.totalTicks);
    }
}
