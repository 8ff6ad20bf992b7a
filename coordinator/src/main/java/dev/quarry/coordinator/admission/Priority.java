package dev.quarry.coordinator.admission;

import dev.quarry.coordinator.error.CoordinatorException;
import java.util.Locale;

/**
 * How urgently a caller wants an answer, from the {@code quarry-priority} request header.
 * {@link #INTERACTIVE} (the default: a person is waiting) is always served before {@link #BATCH}
 * (reindexing jobs, crawlers, exports) and batch is shed first when both wait.
 */
public enum Priority {
    INTERACTIVE,
    BATCH;

    /** The header value, also the {@code priority} tag of the admission metrics. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the header; absent means {@link #INTERACTIVE}. Case and surrounding blanks are ignored. */
    public static Priority fromHeader(String value) {
        if (value == null) {
            return INTERACTIVE;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "interactive" -> INTERACTIVE;
            case "batch" -> BATCH;
            default -> throw CoordinatorException.invalid("header quarry-priority must be 'interactive' or 'batch', not '"
                    + abbreviate(value) + "'");
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "...";
    }
}
