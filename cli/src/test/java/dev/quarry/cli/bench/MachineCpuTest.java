package dev.quarry.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class MachineCpuTest {
    /** Idle and I/O wait are the only columns that do not count as busy; guest time (inside user time) is not counted twice. */
    @Test
    void busyIsEverythingButIdleAndIoWait() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        MachineCpu before = MachineCpu.parse("cpu  100 0 50 800 50 0 0 0 40 0");
        MachineCpu after = MachineCpu.parse("cpu  280 10 90 860 60 5 5 10 150 0");
        assertThat(before).isEqualTo(new MachineCpu(150, 1000));
        // busy +180 +10 +40 +5 +5 +10 = 250; total 250 + idle 60 + iowait 10 = 320
        assertThat(MachineCpu.busyBetween(before, after)).isCloseTo(250.0 / 320, Offset.offset(1e-12));
    }

    @Test
    void unknownWhenAReadingIsMissingOrNoTimePassed() {
        MachineCpu one = MachineCpu.parse("cpu 1 2 3 4");
        assertThat(MachineCpu.busyBetween(null, one)).isNaN();
        assertThat(MachineCpu.busyBetween(one, null)).isNaN();
        assertThat(MachineCpu.busyBetween(one, one)).isNaN();
    }

    @Test
    void refusesALineThatIsNotTheAggregate() {
        assertThatThrownBy(() -> MachineCpu.parse("cpu0 1 2 3 4 5")).isInstanceOf(IllegalArgumentException.class);
    }

    /** On Linux the machine's own counters read, and a busy loop shows up as busy. */
    @Test
    void readsThisMachine() {
        MachineCpu a = MachineCpu.now();
        org.junit.jupiter.api.Assumptions.assumeTrue(a != null, "/proc/stat is not readable here");
        long until = System.nanoTime() + 300_000_000L;
        long x = 0;
        while (System.nanoTime() < until) {
            x += x * 31 + 7;
        }
        MachineCpu b = MachineCpu.now();
        assertThat(x).isNotZero();
        assertThat(MachineCpu.busyBetween(a, b)).isBetween(1.0 / Runtime.getRuntime().availableProcessors() / 2, 1.0);
    }
}
