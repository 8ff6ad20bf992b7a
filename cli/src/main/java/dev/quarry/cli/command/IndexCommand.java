package dev.quarry.cli.command;

import com.google.protobuf.util.JsonFormat;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.DeleteIndexRequest;
import dev.quarry.proto.v1.DescribeIndexRequest;
import dev.quarry.proto.v1.IndexDescription;
import dev.quarry.proto.v1.ListIndicesRequest;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "index", mixinStandardHelpOptions = true, description = "Create, describe, list or delete indices.",
        subcommands = {IndexCommand.Create.class, IndexCommand.Describe.class, IndexCommand.ListIndices.class, IndexCommand.Delete.class})
public final class IndexCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an index from a JSON schema file (see INTERFACES.md).")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--schema", required = true, paramLabel = "FILE") Path schema;
        @Mixin Endpoints endpoints;

        @Override
        public Integer call() throws Exception {
            String json = Files.readString(schema);
            return withAdmin(endpoints, admin -> {
                IndexDescription d = admin.createIndex(CreateIndexRequest.newBuilder().setName(name).setSchemaJson(json).build()).getIndex();
                System.out.printf("created index %s: %d partitions on topic %s, %d shards%n", d.getName(), d.getPartitions(), d.getTopic(), d.getShardsCount());
            });
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Print an index's schema and shard placement as JSON.")
    static final class Describe implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Mixin Endpoints endpoints;

        @Override
        public Integer call() throws Exception {
            return withAdmin(endpoints, admin -> print(admin.describeIndex(DescribeIndexRequest.newBuilder().setName(name).build())));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List indices.")
    static final class ListIndices implements Callable<Integer> {
        @Mixin Endpoints endpoints;

        @Override
        public Integer call() throws Exception {
            return withAdmin(endpoints, admin -> admin.listIndices(ListIndicesRequest.getDefaultInstance()).getIndicesList()
                    .forEach(d -> System.out.printf("%-30s %3d partitions %3d shards%n", d.getName(), d.getPartitions(), d.getShardsCount())));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an index and its Kafka topics.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Mixin Endpoints endpoints;

        @Override
        public Integer call() throws Exception {
            return withAdmin(endpoints, admin -> {
                admin.deleteIndex(DeleteIndexRequest.newBuilder().setName(name).build());
                System.out.println("deleted index " + name);
            });
        }
    }

    interface AdminCall {
        void run(AdminServiceGrpc.AdminServiceBlockingStub admin) throws Exception;
    }

    static int withAdmin(Endpoints endpoints, AdminCall call) throws Exception {
        ManagedChannel ch = Grpc.channel(endpoints.coordinator);
        try {
            call.run(AdminServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS));
            return 0;
        } finally {
            ch.shutdownNow();
        }
    }

    static void print(com.google.protobuf.MessageOrBuilder m) throws Exception {
        System.out.println(JsonFormat.printer().print(m));
    }
}
