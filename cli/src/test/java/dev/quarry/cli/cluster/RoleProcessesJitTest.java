package dev.quarry.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoleProcessesJitTest {
    private static final String C1_ONLY = "-XX:TieredStopAtLevel=1";
    private static final String CODE_CACHE = "-XX:ReservedCodeCacheSize=240m";

    @Test
    void autoUsesC1OnlyOnSmallMachines() {
        assertThat(RoleProcesses.jitOptions(null, 2)).containsExactly(C1_ONLY, CODE_CACHE);
        assertThat(RoleProcesses.jitOptions("", RoleProcesses.QUICK_JIT_MAX_CORES)).containsExactly(C1_ONLY, CODE_CACHE);
        assertThat(RoleProcesses.jitOptions("auto", RoleProcesses.QUICK_JIT_MAX_CORES + 1)).isEmpty();
    }

    @Test
    void explicitSettingsWinAndNonsenseIsRefused() {
        assertThat(RoleProcesses.jitOptions("FULL", 2)).isEmpty();
        assertThat(RoleProcesses.jitOptions(" quick ", 64)).containsExactly(C1_ONLY, CODE_CACHE);
        assertThatThrownBy(() -> RoleProcesses.jitOptions("fast", 2)).hasMessageContaining("QUARRY_CLUSTER_JIT must be quick, full or auto");
    }
}
