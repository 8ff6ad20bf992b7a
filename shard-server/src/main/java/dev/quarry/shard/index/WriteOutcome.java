package dev.quarry.shard.index;

/** What applying one record did. */
public enum WriteOutcome {
    /** The write changed the document (or deleted it). */
    APPLIED,
    /** Its version was not newer than the stored one; nothing changed. */
    STALE,
    /** Not a valid document (dead-lettered). */
    REJECTED
}
