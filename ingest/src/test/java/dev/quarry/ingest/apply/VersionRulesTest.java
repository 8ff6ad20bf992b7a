package dev.quarry.ingest.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.ingest.doc.BadRecordException;
import org.junit.jupiter.api.Test;

class VersionRulesTest {
    private static LogRecord rec(long offset, String header) {
        return new LogRecord(0, offset, "id", new byte[0], header, 0);
    }

    @Test
    void offsetIsTheVersionUnlessAHeaderSaysOtherwise() throws Exception {
        assertThat(VersionRules.versionOf(rec(17, null))).isEqualTo(17);
        assertThat(VersionRules.versionOf(rec(17, "5"))).isEqualTo(5);
        assertThat(VersionRules.versionOf(rec(17, " 9000000000 "))).isEqualTo(9_000_000_000L);
    }

    @Test
    void badHeadersAreBadRecords() {
        for (String h : new String[] {"", "x", "-1", "1.5", "99999999999999999999"}) {
            assertThatThrownBy(() -> VersionRules.versionOf(rec(1, h))).as(h).isInstanceOf(BadRecordException.class);
        }
    }

    @Test
    void onlyNewerVersionsApply() {
        assertThat(VersionRules.applies(-1, 0)).isTrue();
        assertThat(VersionRules.applies(5, 6)).isTrue();
        assertThat(VersionRules.applies(5, 5)).isFalse();
        assertThat(VersionRules.applies(5, 4)).isFalse();
    }
}
