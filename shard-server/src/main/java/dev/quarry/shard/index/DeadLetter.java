package dev.quarry.shard.index;

import dev.quarry.ingest.apply.LogRecord;

/** A record no replica applies, with the reason tag (e.g. {@code invalid_json}) and a message. */
public record DeadLetter(LogRecord record, String reason, String message) {}
