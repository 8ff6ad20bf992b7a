package dev.quarry.cli.command;

import picocli.CommandLine.Command;

/** Parent of the benchmarks; each reports a ratio against a baseline measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks with ratios against an in-process baseline measured in the same run.",
        subcommands = {SearchBenchCommand.class, SuggestBenchCommand.class, IngestBenchCommand.class})
public final class BenchCommand {
}
