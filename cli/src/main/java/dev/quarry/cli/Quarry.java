package dev.quarry.cli;

import dev.quarry.cli.command.BenchCommand;
import dev.quarry.cli.command.ChaosCommand;
import dev.quarry.cli.command.ClusterCommand;
import dev.quarry.cli.command.CoordinatorCommand;
import dev.quarry.cli.command.DevCommand;
import dev.quarry.cli.command.IndexCommand;
import dev.quarry.cli.command.KafkaCommand;
import dev.quarry.cli.command.LoadCommand;
import dev.quarry.cli.command.MetaCommand;
import dev.quarry.cli.command.SearchCommand;
import dev.quarry.cli.command.ShardCommand;
import dev.quarry.cli.command.StatusCommand;
import dev.quarry.cli.command.SuggestCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code quarry} command. */
@Command(name = "quarry", mixinStandardHelpOptions = true, version = "quarry 0.1.0",
        description = "Quarry: a distributed search engine with typeahead. Documents come from Kafka, queries go over gRPC, suggestions over HTTP.",
        subcommands = {
                DevCommand.class, ClusterCommand.class, KafkaCommand.class, MetaCommand.class, ShardCommand.class, CoordinatorCommand.class,
                IndexCommand.class, LoadCommand.class,
                SearchCommand.class, SuggestCommand.class, StatusCommand.class, BenchCommand.class, ChaosCommand.class, CommandLine.HelpCommand.class
        })
public final class Quarry implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Quarry());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            line.getErr().println("quarry: " + OneLine.of(ex));
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
